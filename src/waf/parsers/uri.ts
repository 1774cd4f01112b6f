// The request target: ["uri"] (path and query, percent-decoded once), ["path", i] for every segment
// (Wallarm leaves the last one out of `path`; we inspect it there too so a payload with a '.' is not
// cut in two by action_name/action_ext), ["action_name"] and ["action_ext"] from the last segment,
// and the query string through the urlencoded parser (["get", name]).
import type { NormalizedRequest } from '../request.js';
import { percentDecode } from './percent.js';
import type { Sink } from './sink.js';
import { parseUrlEncoded } from './urlencoded.js';

export function parseUri(req: NormalizedRequest, sink: Sink): void {
  const rawTarget = req.query === null ? req.path : req.path + '?' + req.query;
  sink.value([['uri']], percentDecode(rawTarget, false), 0);
  parsePath(req.path, sink);
  if (req.query !== null && req.query.length > 0) parseUrlEncoded(req.query, [], 'get', 0, sink);
}

export function parsePath(rawPath: string, sink: Sink): void {
  const segs = rawPath.split('/');
  // Leading '' from the initial '/', keep interior empties out.
  let idx = 0;
  let last = '';
  let lastSeen = false;
  for (let i = 0; i < segs.length; i++) {
    if (sink.stopped()) return;
    const raw = segs[i]!;
    if (raw.length === 0) continue;
    const seg = percentDecode(raw, false);
    sink.value([['path', idx]], seg, 0);
    idx++;
    last = seg;
    lastSeen = i === segs.length - 1;
  }
  if (!lastSeen) return; // path ends with '/': no action name
  const dot = last.indexOf('.');
  if (dot < 0) { sink.value([['action_name']], last, 0); return; }
  const name = last.slice(0, dot);
  const ext = last.slice(last.lastIndexOf('.') + 1);
  if (name.length > 0) sink.value([['action_name']], name, 0);
  if (ext.length > 0) sink.value([['action_ext']], ext, 0);
}
