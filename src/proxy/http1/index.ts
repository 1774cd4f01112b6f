/** Strict HTTP/1.1 parsing and writing for the proxy hot path (see docs/performance.md). Node built-ins only. */
export { HttpParseError, type HttpParseErrorCode, type MessageSide } from './errors.js';
export { DEFAULT_HEAD_LIMITS, type HeadLimits } from './limits.js';
export { RequestHead, RequestHeadParser, parseRequestHead, type BodyKind } from './request.js';
export { ResponseHead, ResponseHeadParser, parseResponseHead } from './response.js';
export { ChunkedBodyParser, ContentLengthBody, DEFAULT_CHUNKED_LIMITS, type ChunkedLimits } from './body.js';
export {
  buildRequestHead,
  buildResponseHead,
  isHopByHop,
  isValidFieldName,
  isValidFieldValue,
  stripHopByHop,
  type OutgoingFraming,
} from './writer.js';
