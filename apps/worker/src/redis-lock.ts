// A best-effort mutual exclusion across worker processes: SET NX with a expiry, released only by
// its holder. Good enough for the sweeper, whose every step is idempotent and fenced in Postgres.
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './lane-jobs.ts';

const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface HeldLock {
  release(): Promise<void>;
}

export async function tryLock(
  redis: RedisConnection,
  key: string,
  owner: string,
  ttlMs: number,
): Promise<HeldLock | undefined> {
  const token = `${owner}:${randomUUID()}`;
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') return undefined;
  return {
    async release() {
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
