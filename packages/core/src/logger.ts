import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** One logger per process, created in main and passed down; components take child loggers. */
export function createLogger(service: string, opts: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service },
    redact: {
      paths: ['*.token', '*.password', '*.authorization', 'req.headers.authorization'],
      remove: true,
    },
    ...opts,
  });
}

/** A logger that discards everything, for tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
