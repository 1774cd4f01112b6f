// Which references an XML processor may dereference are ordinary, and which are the attack.
//
// The rule, one for external DTDs, schema hints and stylesheet imports: a reference to the published
// DTD or schema of a standards body or framework vendor (an http(s) URL on one of the hosts below) is
// what real documents carry — plists, XHTML, Spring, Maven POMs, Android layouts — and parsers that
// fetch it get the vendor's file. Anything else makes the parser fetch from where the sender chose:
// another host (out-of-band exfiltration, SSRF), a local file (`file:`, an absolute path, a UNC
// share: disclosure or local-DTD reuse), or a protocol handler (`jar:`, `gopher:`, `php:`, `expect:`).
// A bare relative name (`note.dtd`, `order.xsd`) resolves next to the document and stays ordinary.
// External entities (`<!ENTITY x SYSTEM ...>`) and parameter entities are judged elsewhere: they are
// the attack wherever they point.

/** Hosts (and their subdomains) that publish well-known DTDs and schemas. */
const WELL_KNOWN = new Set([
  'w3.org', 'apple.com', 'android.com', 'sun.com', 'oracle.com', 'jcp.org', 'jakarta.ee', 'java.net',
  'springframework.org', 'hibernate.org', 'jboss.org', 'jboss.com', 'redhat.com', 'mybatis.org', 'apache.org',
  'opensymphony.com', 'docbook.org', 'oasis-open.org', 'xmlsoap.org', 'openxmlformats.org', 'microsoft.com',
  'purl.org', 'mozilla.org', 'eclipse.org', 'freedesktop.org', 'checkstyle.org', 'puppycrawl.com',
  'netbeans.org', 'glassfish.org', 'ietf.org', 'omg.org', 'gnu.org', 'sitemaps.org', 'opengis.net',
  'loc.gov', 'tei-c.org', 'dublincore.org', 'ehcache.org', 'liquibase.org', 'kde.org', 'gnome.org',
  'xmlsoft.org', 'jetbrains.com', 'google.com', 'adobe.com', 'mulesoft.org', 'exslt.org', 'saxonica.com',
]);

/** The host of an absolute http(s) URL, lower-cased, or null. */
function httpHost(url: string): string | null {
  const m = /^https?:\/\/(?:[^@/?#\s]*@)?(\[[^\]]*\]|[^:/?#\s]+)/i.exec(url);
  return m ? m[1]!.toLowerCase() : null;
}

function wellKnownHost(host: string): boolean {
  let h = host.endsWith('.') ? host.slice(0, -1) : host;
  for (let guard = 0; guard < 8; guard++) {
    if (WELL_KNOWN.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
  return false;
}

/**
 * Does dereferencing `ref` reach somewhere the sender chose: another host, a local file, a protocol
 * handler? Well-known publishers' http(s) URLs and bare relative names are ordinary.
 */
export function foreignRef(ref: string): boolean {
  const r = ref.trim();
  if (r.length === 0) return false;
  const host = httpHost(r);
  if (host !== null) return !wellKnownHost(host);
  if (/^[a-z][a-z0-9+.-]*:/i.test(r)) {
    // a scheme other than http(s); `about:legacy-compat` is HTML's DOCTYPE for XML serializers
    return !/^(?:about:legacy-compat|urn:)/i.test(r);
  }
  // absolute and parent paths, UNC shares and protocol-relative URLs leave the document's directory
  return /^(?:[/\\]|\.\.[/\\]|[a-z]:[/\\])/i.test(r) || /[/\\]\.\.(?:[/\\]|$)/.test(r);
}

const DOCTYPE = /<!DOCTYPE\s+[^\s>[]+\s+(?:SYSTEM\s*(["'])([^"']{0,500})\1|PUBLIC\s*(["'])[^"']{0,500}\3(?:\s*(["'])([^"']{0,500})\4)?)/gi;

/** The first DOCTYPE in `v` whose external DTD is foreign, as [start, end], or null. */
export function foreignDoctype(v: string): [number, number] | null {
  DOCTYPE.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let k = 0; k < 16 && (m = DOCTYPE.exec(v)) !== null; k++) {
    const sys = m[2] ?? m[5];
    // a PUBLIC id alone names a DTD the parser resolves from its catalog, if at all
    if (sys !== undefined && foreignRef(sys)) return [m.index, m.index + m[0].length];
  }
  return null;
}

/**
 * Schema locations in an `xsi:schemaLocation` value (namespace / location pairs) or a
 * `noNamespaceSchemaLocation` / `xs:import schemaLocation` value (one location): the first foreign one.
 */
export function foreignSchemaLocation(value: string): string | null {
  const toks = value.trim().split(/\s+/, 64);
  const pairs = toks.length >= 2 && toks.length % 2 === 0;
  for (let i = pairs ? 1 : 0; i < toks.length; i += pairs ? 2 : 1) {
    if (foreignRef(toks[i]!)) return toks[i]!;
  }
  return null;
}
