// Every error body the node API sends is built here: {"error":{"code":<status>,"message":...}}, the
// shape of the block page (docs/waf.md §2), so connectors parse one format.

export class NodeError extends Error {
  constructor(readonly status: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'NodeError';
  }
}

export function badRequest(message: string, details?: Record<string, unknown>): NodeError {
  return new NodeError(400, message, details);
}

export function notFound(what = 'not found'): NodeError {
  return new NodeError(404, what);
}

export function errorBody(status: number, message: string, details?: Record<string, unknown>): { error: Record<string, unknown> } {
  return { error: { code: status, message, ...(details ?? {}) } };
}

export const BLOCKED_BODY = errorBody(403, 'request blocked');
