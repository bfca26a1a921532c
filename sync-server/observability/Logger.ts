/**
 * The logger every layer receives in its options. One JSON object per line by default.
 * Callers never pass passwords or tokens in `fields`.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

export interface JsonLinesLoggerOptions {
  write?: (line: string) => void;
  minLevel?: LogLevel;
  now?: () => number;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLinesLogger(options: JsonLinesLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const minRank = LEVEL_RANK[options.minLevel ?? 'info'];
  const now = options.now ?? Date.now;
  return {
    log(level, event, fields) {
      if (LEVEL_RANK[level] < minRank) return;
      const record: Record<string, unknown> = { time: new Date(now()).toISOString(), level, event };
      Object.assign(record, scrubSecrets(fields ?? {}));
      write(JSON.stringify(record));
    },
  };
}

export const silentLogger: Logger = { log() {} };

const SECRET_KEY = /pass(word)?|token|secret|authorization|cookie|hash/i;
/** Our opaque tokens: 32 random bytes in base64url. */
const TOKEN_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** Copies log fields with anything that could be a password or a token replaced. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'string') return TOKEN_VALUE.test(value) ? '[redacted]' : value;
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : scrubSecrets(v, depth + 1);
  }
  return out;
}

export interface PinoLoggerOptions {
  /** Where JSON lines go: a writable stream (default: stderr, synchronously). */
  destination?: { write(line: string): unknown };
  minLevel?: LogLevel;
  /** Fields on every line (e.g. { service: 'usine-sync' }). */
  base?: Record<string, unknown>;
}

/**
 * The production logger: pino, one JSON object per line, with `event` naming what happened.
 * Every field goes through scrubSecrets first, and pino's own redaction covers the usual paths
 * again, so a password or a token never reaches a log line even if a caller slips.
 */
export function pinoLogger(options: PinoLoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  const logger = pino(
    {
      level: options.minLevel ?? 'info',
      base: options.base ?? { service: 'usine-sync' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['password', 'token', 'accessToken', 'refreshToken', 'authorization', '*.password', '*.token'],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream,
  );
  return {
    log(level, event, fields) {
      logger[level]({ event, ...(scrubSecrets(fields ?? {}) as Record<string, unknown>) });
    },
  };
}
