/**
 * Size limits for a message head. Defaults follow nginx `large_client_header_buffers 4 8k`: a request line longer
 * than one 8 KB buffer is 414, a header line longer than 8 KB or a head longer than the 4 buffers (32 KB) is nginx's
 * 494, which Kong answers as 400 `Request header or cookie too large`. Line sizes include their CRLF.
 */
export interface HeadLimits {
  /** Longest request line (or status line), CRLF included. Default 8192. Exceeding it: 414 (502 upstream). */
  maxStartLineSize: number;
  /** Longest single header line, CRLF included. Default 8192. */
  maxHeaderLineSize: number;
  /** Longest head, request line to the final empty line included (leading empty lines not counted). Default 32768. */
  maxHeadSize: number;
  /**
   * Most header fields. Default 100 (nginx has no count limit, only sizes; 100 is generous for real clients and
   * bounds per-request work). Exceeding it: 400 `Request header or cookie too large`.
   */
  maxHeaders: number;
}

export const DEFAULT_HEAD_LIMITS: Readonly<HeadLimits> = Object.freeze({
  maxStartLineSize: 8192,
  maxHeaderLineSize: 8192,
  maxHeadSize: 32768,
  maxHeaders: 100,
});

export function resolveLimits(partial?: Partial<HeadLimits>): HeadLimits {
  return { ...DEFAULT_HEAD_LIMITS, ...partial };
}
