// Shared by the queue tests: a unique prefix per test, named connections, cleanup, polling.
import type { TestContext } from 'node:test';
import { createLogger, type Logger } from '@tether/core';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis, type RedisRole } from '../src/index.ts';

export { TEST_REDIS_URL };

export interface LogRecord {
  level: number;
  msg: string;
  fields: Record<string, unknown>;
}

/** A real pino logger that records instead of printing. */
export function captureLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = createLogger('queue-test', {
    level: 'debug',
    hooks: {
      logMethod(args, _method, level) {
        const [first, second] = args as unknown[];
        if (typeof first === 'string') records.push({ level, msg: first, fields: {} });
        else
          records.push({
            level,
            msg: String(second ?? ''),
            fields: (first ?? {}) as Record<string, unknown>,
          });
      },
    },
  });
  return { logger, records };
}

export interface Env {
  prefix: string;
  logger: Logger;
  records: LogRecord[];
  /** A connection named after the prefix (so CLIENT LIST can find it), closed after the test. */
  redis(role: RedisRole): Redis;
  /** Runs at teardown before the prefix is cleaned, last registered first. */
  defer(fn: () => Promise<unknown> | unknown): void;
}

export function testEnv(t: TestContext): Env {
  const prefix = uniquePrefix();
  const { logger, records } = captureLogger();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await cleanupPrefix(TEST_REDIS_URL, prefix);
  });
  return {
    prefix,
    logger,
    records,
    redis(role) {
      const r = createRedis(TEST_REDIS_URL, { role, logger, name: `${prefix}-${role}` });
      cleanups.push(() => closeRedis(r));
      return r;
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
}

/** Polls until check() returns a truthy value; fails with `what` after a generous deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let counter = 0;
/** A valid target.sync payload with fresh ids. */
export function syncPayload(clusterId = 'clu_test') {
  counter += 1;
  const n = `${process.pid}x${counter}x${Math.random().toString(36).slice(2, 8)}`;
  return {
    v: 1 as const,
    targetId: `tgt_${n}`,
    deploymentId: `dep_${n}`,
    applicationId: `app_${n}`,
    clusterId,
    sha: 'a'.repeat(40),
  };
}
