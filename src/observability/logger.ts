import pino, { type Logger } from 'pino';
import { errorLogStream, type LogFile } from './log-files.js';

export type CustomLevels = 'notice' | 'crit' | 'alert' | 'emerg';
/** The process logger: pino with Kong's extra levels. */
export type AppLogger = Logger<CustomLevels>;
export type { Logger };

// Kong's levels mapped onto pino's numeric scale so KONG_LOG_LEVEL works unchanged.
const customLevels = { notice: 35, crit: 55, alert: 57, emerg: 59 };

export interface LoggerOptions {
  level?: string;
  format?: 'json' | 'pretty';
  destination?: pino.DestinationStream | NodeJS.WritableStream;
  name?: string;
  /** Also write every line, as nginx-style text, to this file (Kong's proxy_error_log). */
  errorLog?: LogFile | null;
}

export function createLogger(opts: LoggerOptions = {}): AppLogger {
  const options: pino.LoggerOptions<'notice' | 'crit' | 'alert' | 'emerg'> = {
    level: opts.level ?? 'notice',
    customLevels,
    name: opts.name,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["proxy-authorization"]',
        '*.password',
        '*.secret',
        '*.key',
      ],
      censor: '[redacted]',
    },
  };
  if (opts.format === 'pretty') {
    const transport = pino.transport({ target: 'pino-pretty', options: { colorize: false, sync: true } });
    return pino(options, transport);
  }
  const out = (opts.destination as pino.DestinationStream) ?? pino.destination({ sync: false });
  if (!opts.errorLog) return pino(options, out);
  const streams = [
    { level: 'trace' as const, stream: out },
    { level: 'trace' as const, stream: errorLogStream(opts.errorLog) },
  ];
  return pino(options, pino.multistream(streams, { levels: { ...pino.levels.values, ...customLevels } }));
}

/** A logger that discards everything (tests that do not care about output). */
export function silentLogger(): AppLogger {
  return pino({ level: 'silent', customLevels });
}
