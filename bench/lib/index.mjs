// Reusable benchmark pieces (bench/run.mjs, and later bench:soak / bench:cluster).
export * from './procs.mjs';
export * from './cpu.mjs';
export * from './http.mjs';
export * from './upstream.mjs';
export { createUpstreamServer, MARKER } from './upstream-server.mjs';
export * from './nginx.mjs';
export * from './portcullis.mjs';
export * from './wrk.mjs';
export * from './stats.mjs';
export { summarize, formatSummary, shortUrl } from './cpuprofile.mjs';
