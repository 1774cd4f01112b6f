/**
 * Typed parse errors. `status` and `message` are what Kong (nginx + error_handlers.lua) answers; the proxy formats
 * the body. `reason` is a short developer-facing detail for logs, never sent to clients.
 */
export type HttpParseErrorCode =
  | 'BAD_REQUEST_LINE'
  | 'BAD_METHOD'
  | 'METHOD_NOT_ALLOWED'
  | 'BAD_TARGET'
  | 'BAD_VERSION'
  | 'BAD_STATUS_LINE'
  | 'BAD_HEADER_NAME'
  | 'BAD_HEADER_VALUE'
  | 'SPACE_BEFORE_COLON'
  | 'OBS_FOLD'
  | 'BARE_CR'
  | 'BARE_LF'
  | 'URI_TOO_LONG'
  | 'HEADER_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'BAD_CONTENT_LENGTH'
  | 'DUPLICATE_CONTENT_LENGTH'
  | 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'
  | 'DUPLICATE_TRANSFER_ENCODING'
  | 'UNSUPPORTED_TRANSFER_ENCODING'
  | 'TRANSFER_ENCODING_ON_HTTP10'
  | 'MISSING_HOST'
  | 'DUPLICATE_HOST'
  | 'BAD_HOST'
  | 'BAD_CHUNK'
  | 'TRAILERS_TOO_LARGE'
  | 'BODY_TOO_LARGE';

/** Which side of the proxy produced the bytes: a client request, or an upstream response (always 502). */
export type MessageSide = 'request' | 'response';

const UPSTREAM_INVALID = 'An invalid response was received from the upstream server';

export class HttpParseError extends Error {
  readonly code: HttpParseErrorCode;
  /** HTTP status the proxy should answer with (502 for anything parsed from an upstream). */
  readonly status: number;
  /** Developer detail for logs; `message` is the Kong client-facing text. */
  readonly reason: string;

  constructor(code: HttpParseErrorCode, status: number, message: string, reason: string) {
    super(message);
    this.name = 'HttpParseError';
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}

/** Status and Kong message for a request-side error code. */
function requestStatus(code: HttpParseErrorCode): [number, string] {
  switch (code) {
    case 'URI_TOO_LONG':
      return [414, 'URI too long'];
    // nginx 494 is rewritten by Kong to 400 with this text.
    case 'HEADER_TOO_LARGE':
    case 'TOO_MANY_HEADERS':
    case 'TRAILERS_TOO_LARGE':
      return [400, 'Request header or cookie too large'];
    // nginx: "client sent unknown Transfer-Encoding" -> NGX_HTTP_NOT_IMPLEMENTED. 501 is not in Kong's error_page
    // list, so nginx's own page would be served; the proxy should use this text.
    case 'UNSUPPORTED_TRANSFER_ENCODING':
      return [501, 'Not implemented'];
    // nginx refuses CONNECT with 405 before any handler runs.
    case 'METHOD_NOT_ALLOWED':
      return [405, 'Method not allowed'];
    case 'BODY_TOO_LARGE':
      return [413, 'Payload too large'];
    default:
      return [400, 'Bad request'];
  }
}

export function parseError(code: HttpParseErrorCode, side: MessageSide, reason: string): HttpParseError {
  if (side === 'response') return new HttpParseError(code, 502, UPSTREAM_INVALID, reason);
  const [status, message] = requestStatus(code);
  return new HttpParseError(code, status, message, reason);
}
