/**
 * The logger every layer receives in its options. One JSON object per line by default.
 * Callers never pass passwords or tokens in `fields`.
 */
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

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function jsonLinesLogger(options: JsonLinesLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const minRank = LEVEL_RANK[options.minLevel ?? 'info'];
  const now = options.now ?? Date.now;
  return {
    log(level, event, fields) {
      if (LEVEL_RANK[level] < minRank) return;
      const record: Record<string, unknown> = { time: new Date(now()).toISOString(), level, event };
      for (const [key, value] of Object.entries(fields ?? {})) record[key] = errorFields(value);
      write(JSON.stringify(record));
    },
  };
}

export const silentLogger: Logger = { log() {} };
