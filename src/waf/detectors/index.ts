// The built-in input-validation detectors, one per attack code. Order: cheap, specific detectors
// first; the engine runs all of them on every value and keeps the first hit per type.
import type { AttackType, Detector } from '../types.js';
import { sqli } from './sqli.js';
import { xss } from './xss.js';
import { rce } from './rce.js';
import { ptrav } from './ptrav.js';
import { ssti } from './ssti.js';
import { xxe } from './xxe.js';
import { nosqli } from './nosqli.js';
import { ldapi } from './ldapi.js';
import { crlf } from './crlf.js';
import { ssi } from './ssi.js';
import { mail_injection } from './mail_injection.js';
import { ssrf } from './ssrf.js';
import { redir } from './redir.js';
import { scanner } from './scanner.js';

export { sqli, xss, rce, ptrav, ssti, xxe, nosqli, ldapi, crlf, ssi, mail_injection, ssrf, redir, scanner };

export const detectors: Detector[] = [
  scanner,
  ssi,
  xxe,
  crlf,
  mail_injection,
  ldapi,
  nosqli,
  ssti,
  ptrav,
  sqli,
  xss,
  rce,
  ssrf,
  redir,
];

/** The detectors for the given attack types (all when omitted), in the default order. */
export function detectorsFor(types?: readonly AttackType[]): Detector[] {
  if (!types) return detectors;
  return detectors.filter((d) => types.includes(d.type));
}
