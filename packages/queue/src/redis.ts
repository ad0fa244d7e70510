import type { Logger } from '@tether/core';
import { Redis, type RedisOptions } from 'ioredis';
import { QueueUnavailableError } from './errors.ts';

/**
 * - producer: enqueue from request handlers. No offline queue and a command timeout, so a
 *   missing Redis fails the request quickly instead of hanging it.
 * - worker: BullMQ Worker connections. BullMQ requires maxRetriesPerRequest: null for the
 *   blocking connection it duplicates from this one; commands wait out a reconnect.
 * - subscriber: long blocking reads (XREAD BLOCK); same settings as worker.
 */
export type RedisRole = 'producer' | 'worker' | 'subscriber';

export interface CreateRedisOptions {
  logger: Logger;
  role: RedisRole;
  /** CLIENT SETNAME, to find this process's connections in CLIENT LIST. */
  name?: string;
  connectTimeoutMs?: number;
  /** Producer only: per-command deadline. */
  commandTimeoutMs?: number;
}

export function createRedis(url: string, opts: CreateRedisOptions): Redis {
  const blocking = opts.role !== 'producer';
  const options: RedisOptions = {
    connectionName: opts.name ?? `tether-${opts.role}`,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    // Back off to at most 5s between reconnects; never give up (the process outlives outages).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: blocking,
    ...(blocking ? {} : { commandTimeout: opts.commandTimeoutMs ?? 5_000 }),
  };
  const redis = new Redis(url, options);
  watchConnection(redis, opts.logger.child({ redis: options.connectionName, role: opts.role }));
  return redis;
}

/** Logs connection trouble once per distinct error instead of crashing on 'error'. */
function watchConnection(redis: Redis, log: Logger): void {
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ err }, 'redis connection error');
  });
  redis.on('ready', () => {
    if (lastError !== undefined) log.info('redis connection recovered');
    lastError = undefined;
  });
}

/**
 * Resolves when the connection is ready (with nextReady: at its next 'ready', after a drop it
 * has not noticed yet); rejects with QueueUnavailableError after timeoutMs.
 */
export async function waitForReady(redis: Redis, timeoutMs: number, nextReady = false): Promise<void> {
  if (redis.status === 'ready' && !nextReady) return;
  if (redis.status === 'end') throw new QueueUnavailableError('redis connection is closed');
  if (redis.status === 'wait') redis.connect().catch(() => {});
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
  };
  let onReady = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      redis.once('ready', onReady);
      redis.on('error', onError);
      timer = setTimeout(() => {
        const reason = lastError ? `: ${lastError.message}` : '';
        reject(new QueueUnavailableError(`redis not ready after ${timeoutMs}ms${reason}`, lastError));
      }, timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    redis.off('ready', onReady);
    redis.off('error', onError);
  }
}

export interface PingResult {
  ok: boolean;
  error?: string;
}

/** For /readyz: waits for a connecting client, never throws, never takes longer than timeoutMs. */
export async function ping(redis: Redis, timeoutMs = 1_000): Promise<PingResult> {
  try {
    await bounded(redis, { readyTimeoutMs: timeoutMs, timeoutMs }, 'PING', () => redis.ping());
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** QUIT politely, but never wait more than timeoutMs; then drop the socket and wait for 'end'. */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  try {
    if (redis.status === 'ready') await withDeadline(redis.quit(), timeoutMs, 'QUIT');
  } catch {
    // Already closing or unreachable: disconnect below is all that is left to do.
  }
  // Between reconnect attempts there is no socket: ioredis then never emits 'end'.
  const socketOpen = redis.status !== 'reconnecting';
  redis.disconnect();
  if (socketOpen && (redis.status as string) !== 'end') {
    await withDeadline(ended, timeoutMs, 'disconnect').catch(() => {});
  }
}

/** Rejects with QueueUnavailableError if `work` has not settled within timeoutMs. */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueUnavailableError(`${what} did not finish within ${timeoutMs}ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const CONNECTION_TROUBLE =
  /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|max retries per request/i;

/** Connection failures become QueueUnavailableError (503); anything else is rethrown as is. */
export function asUnavailable(err: unknown, redis: Redis): unknown {
  if (err instanceof QueueUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (redis.status !== 'ready' || CONNECTION_TROUBLE.test(message)) {
    return new QueueUnavailableError(`redis unavailable: ${message}`, err);
  }
  return err;
}

export interface Bounds {
  /** How long to wait for a (re)connecting Redis before giving up. */
  readyTimeoutMs: number;
  /** Upper bound for the whole call. */
  timeoutMs: number;
}

/** Runs a Redis-backed call that must answer in bounded time: unavailable → QueueUnavailableError. */
export async function bounded<T>(
  redis: Redis,
  bounds: Bounds,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const attempt = async (nextReady: boolean) => {
    await waitForReady(redis, bounds.readyTimeoutMs, nextReady);
    return work();
  };
  const once = async () => {
    try {
      return await attempt(false);
    } catch (err) {
      // The socket dropped before ioredis noticed: the command was never sent, so it is safe
      // to wait for the reconnect and send it again, once.
      if (err instanceof Error && NOT_SENT.test(err.message)) return attempt(true);
      throw err;
    }
  };
  try {
    return await withDeadline(once(), bounds.timeoutMs, what);
  } catch (err) {
    throw asUnavailable(err, redis);
  }
}

const NOT_SENT = /Stream isn't writeable/;
