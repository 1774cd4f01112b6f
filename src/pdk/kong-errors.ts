// Kong's error bodies (kong/tools/http.lua ERROR_TEMPLATES) with its content negotiation.

export type ErrorType = 'json' | 'text' | 'html' | 'xml';

const MIME: Record<ErrorType, string> = {
  json: 'application/json; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

function typeOf(mime: string): ErrorType | null {
  const m = mime.trim().split(';')[0]!.trim().toLowerCase();
  if (m === 'application/json' || m === '*/*' || m === 'application/*') return 'json';
  if (m === 'text/plain' || m === 'text/*') return 'text';
  if (m === 'text/html') return 'html';
  if (m === 'application/xml' || m === 'text/xml') return 'xml';
  return null;
}

/** Pick the body type from Accept, then Content-Type, then the fallback. */
export function negotiate(accept: string | undefined, contentType: string | undefined, fallback: ErrorType): ErrorType {
  if (accept) {
    for (const part of accept.split(',')) {
      const t = typeOf(part);
      if (t) return t;
    }
  }
  if (contentType) {
    const t = typeOf(contentType);
    if (t && contentType.trim() !== '*/*') return t;
  }
  return fallback;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderError(type: ErrorType, message: string, requestId: string): { body: string; contentType: string } {
  let body: string;
  switch (type) {
    case 'json':
      body = `{\n  "message":${JSON.stringify(message)},\n  "request_id":"${requestId}"\n}`;
      break;
    case 'text':
      body = `${message}\nrequest_id: ${requestId}\n`;
      break;
    case 'html':
      body = `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeXml(message)}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`;
      break;
    case 'xml':
      body = `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeXml(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`;
      break;
  }
  return { body, contentType: MIME[type] };
}

export function defaultErrorType(setting: string): ErrorType {
  return typeOf(setting) ?? 'text';
}

/** Kong's fixed texts for statuses it produces itself (kong/error_handlers.lua). */
export const STATUS_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  411: 'Length required',
  412: 'Precondition failed',
  413: 'Payload too large',
  414: 'URI too long',
  417: 'Expectation failed',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

export function statusMessage(status: number): string {
  return STATUS_MESSAGES[status] ?? `The upstream server responded with ${status}`;
}
