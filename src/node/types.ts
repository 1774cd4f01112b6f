// Shared types of the filtering node: modes, verdicts, stored hits and attacks (docs/waf.md §3, §8).
import type { AttackType, Hit, Point, WafRequest } from '../waf/index.js';

export const MODES = ['off', 'monitoring', 'safe_blocking', 'block'] as const;
export type Mode = (typeof MODES)[number];

export function isMode(v: unknown): v is Mode {
  return typeof v === 'string' && (MODES as readonly string[]).includes(v);
}

export type ListName = 'allow' | 'deny' | 'gray';
export const LIST_NAMES: readonly ListName[] = ['allow', 'deny', 'gray'];

/** Why a verdict came out the way it did. 'attack' = hits recorded (blocked or not); 'none' = clean. */
export type Reason = 'attack' | 'denylist' | 'graylist' | 'vpatch' | 'allowlist' | 'off' | 'none';

/** Which mechanism produced a hit (metrics label "source"). */
export type HitSource = 'detector' | 'vpatch' | 'regex' | 'experimental' | 'denylist';

/** A hit as returned by inspect(): the engine's Hit plus what the node decided about it. */
export interface InspectHit extends Hit {
  source: HitSource;
  /** This hit alone would block in the effective mode (experimental and overlimit hits never do). */
  blocking: boolean;
}

export interface InspectRequest extends WafRequest {
  /** Host the request was addressed to (defaults to the Host header). */
  host?: string;
  /** The connector's request id: 32 hex digits (a UUID is accepted and its dashes dropped); generated when absent or malformed. */
  requestId?: string;
  application?: string;
  /** Per-request mode (the wallarm-plugin's `mode` config); beats route rules and the node mode. */
  modeOverride?: Mode;
}

export interface InspectResult {
  verdict: 'block' | 'pass';
  blocked: boolean;
  hits: InspectHit[];
  reason: Reason;
  requestId: string;
  /** The mode that applied to this request. */
  mode: Mode;
  /** Client address after proxy_headers. */
  clientIp: string | null;
}

/** One hit as kept in the attack log and served by the API (docs/waf.md §8). */
export interface StoredHit {
  id: string;
  request_id: string;
  /** Epoch milliseconds. */
  time: number;
  client_ip: string | null;
  host: string;
  method: string;
  path: string;
  point: Point;
  type: AttackType;
  payload: string;
  detector: string;
  source: HitSource;
  verdict: 'blocked' | 'monitored';
  response_status: number | null;
  application: string | null;
  attack_id: string;
  false_positive?: boolean;
  experimental?: boolean;
  /** Response facts reported by the connector (headers redacted). */
  response_headers?: Record<string, string>;
  response_body_bytes?: number;
  /** True for hits ingested out of band (mirror). */
  oob?: boolean;
}

export type AttackStatus = 'Blocked' | 'Partially blocked' | 'Monitoring';

export interface Attack {
  id: string;
  type: AttackType;
  point: Point;
  host: string;
  path: string;
  application: string | null;
  first_time: number;
  last_time: number;
  /** Hits kept in the log. */
  hits: number;
  /** Hits seen, including those dropped by sampling. */
  total: number;
  blocked: number;
  monitored: number;
  /** Distinct client addresses (bounded). */
  ips: string[];
  status: AttackStatus;
}

/** Milliseconds since the epoch; injectable so tests control time. */
export type Clock = () => number;
