// Redis isolation for tests: every test gets its own key prefix and deletes it afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ prefix no other test (or process) uses: `t-<pid>-<random>`. */
export function uniquePrefix(): string {
  return `t-${process.pid}-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under `<prefix>:` with SCAN + UNLINK (never KEYS). Returns the count. */
export async function cleanupPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new Error(`refusing to clean an unusual prefix: "${prefix}"`);
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectionName: 'test-cleanup',
  });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
