// Kong's listen directive: "addr:port [flags], addr:port [flags]" or "off".

export interface ListenAddress {
  host: string;
  port: number;
  ssl: boolean;
  http2: boolean;
  flags: string[];
}

const KNOWN_FLAGS = /^(ssl|http2|proxy_protocol|deferred|bind|reuseport|backlog=\d+|ipv6only=(on|off)|so_keepalive=.+)$/;

export function parseListen(value: string): ListenAddress[] {
  const text = value.trim();
  if (text === '' || text === 'off') return [];
  return text.split(',').map((entry) => parseOne(entry.trim(), value));
}

function parseOne(entry: string, whole: string): ListenAddress {
  const [addr, ...flags] = entry.split(/\s+/);
  if (!addr) throw new Error(`malformed listen address '${whole}'`);
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0 || addr[end + 1] !== ':') throw new Error(`malformed listen address '${entry}'`);
    host = addr.slice(1, end);
    portText = addr.slice(end + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) throw new Error(`malformed listen address '${entry}' (expected host:port)`);
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  if (host === '*') host = '0.0.0.0';
  if (!host || !/^[A-Za-z0-9.:-]+$/.test(host)) throw new Error(`malformed listen address '${entry}' (bad host)`);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`malformed listen address '${entry}' (port must be 0-65535)`);
  }
  for (const f of flags) {
    if (!KNOWN_FLAGS.test(f)) throw new Error(`malformed listen address '${entry}' (unknown flag '${f}')`);
  }
  return { host, port: Number(portText), ssl: flags.includes('ssl'), http2: flags.includes('http2'), flags };
}
