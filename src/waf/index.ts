// Public surface of the WAF library.
export type * from './types.js';
export { WafEngine, analyze, defaultDetectors, type WafEngineOptions } from './engine.js';
export { normalizeRequest, parseMediaType, type NormalizedRequest, type MediaType } from './request.js';
export { pointToString, pointToFlat, pointToNested, pointKey, pointEquals, child } from './point.js';
export { CollectSink, DEFAULT_LIMITS, VALUE_RAW, VALUE_NO_STRUCT, type Sink, type ParseLimits } from './parsers/sink.js';
