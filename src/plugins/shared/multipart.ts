// A small multipart/form-data reader and writer that keeps parts byte for byte (file parts included).

export interface Part {
  name: string | null;
  /** Raw header block of the part (without the blank line). */
  head: string;
  body: Buffer;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

export function parseMultipart(body: Buffer, boundary: string): Part[] | null {
  const delim = Buffer.from('--' + boundary);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) return null;
  for (;;) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const next = body.indexOf(delim, pos);
    if (next < 0) return null;
    let chunk = body.subarray(pos, next);
    if (chunk.subarray(chunk.length - 2).toString() === '\r\n') chunk = chunk.subarray(0, chunk.length - 2);
    const sep = chunk.indexOf('\r\n\r\n');
    const head = sep < 0 ? chunk.toString('latin1') : chunk.subarray(0, sep).toString('latin1');
    const content = sep < 0 ? Buffer.alloc(0) : chunk.subarray(sep + 4);
    const nm = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(head);
    parts.push({ name: nm ? nm[1]! : null, head, body: Buffer.from(content) });
    pos = next;
  }
  return parts;
}

export function simplePart(name: string, value: string): Part {
  return { name, head: `Content-Disposition: form-data; name="${name}"`, body: Buffer.from(value) };
}

export function renamePart(p: Part, name: string): Part {
  return { name, head: p.head.replace(/(content-disposition:[^\r\n]*?\bname=")([^"]*)(")/i, `$1${name}$3`), body: p.body };
}

export function serializeMultipart(parts: Part[], boundary: string): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${p.head}\r\n\r\n`, 'latin1'), p.body, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}
