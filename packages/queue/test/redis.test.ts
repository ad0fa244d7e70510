import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupPrefix, uniquePrefix } from '@tether/testing/redis';
import { closeRedis, createRedis, ping, waitForReady } from '../src/index.ts';
import { captureLogger, TEST_REDIS_URL, testEnv } from './helpers.ts';

describe('redis connections', () => {
  it('configures producer connections to fail fast and worker connections to wait', (t) => {
    const env = testEnv(t);
    const producer = env.redis('producer');
    const worker = env.redis('worker');
    assert.equal(producer.options.enableOfflineQueue, false);
    assert.equal(typeof producer.options.commandTimeout, 'number');
    assert.equal(worker.options.maxRetriesPerRequest, null);
    assert.equal(worker.options.enableOfflineQueue, true);
    assert.ok(producer.options.connectTimeout);
  });

  it('pings a live Redis and reports an unreachable one without throwing', async (t) => {
    const env = testEnv(t);
    assert.deepEqual(await ping(env.redis('producer')), { ok: true });
    const { logger, records } = captureLogger();
    const dead = createRedis('redis://127.0.0.1:1', { role: 'producer', logger, connectTimeoutMs: 300 });
    env.defer(() => closeRedis(dead));
    const res = await ping(dead, 300);
    assert.equal(res.ok, false);
    await assert.rejects(waitForReady(dead, 200), /not ready/);
    assert.ok(
      records.some((r) => r.msg === 'redis connection error'),
      'errors are logged, not thrown',
    );
  });

  it('closes a connection even when Redis is gone', async () => {
    const { logger } = captureLogger();
    const dead = createRedis('redis://127.0.0.1:1', { role: 'worker', logger, connectTimeoutMs: 300 });
    await closeRedis(dead, 200);
    assert.equal(dead.status, 'end');
  });
});

describe('test prefixes', () => {
  it('are unique and cleaned up with SCAN, leaving other prefixes alone', async (t) => {
    const env = testEnv(t);
    const mine = uniquePrefix();
    const other = uniquePrefix();
    assert.notEqual(mine, other);
    assert.match(mine, /^t-\d+-[0-9a-f]+$/);
    const r = env.redis('worker');
    env.defer(() => cleanupPrefix(TEST_REDIS_URL, other));
    for (let i = 0; i < 1200; i++) r.set(`${mine}:k${i}`, '1');
    await r.set(`${other}:keep`, '1');
    await r.set(`${mine}x:keep`, '1');
    env.defer(() => r.del(`${mine}x:keep`));
    assert.equal(await cleanupPrefix(TEST_REDIS_URL, mine), 1200);
    assert.equal(await r.exists(`${mine}:k0`), 0);
    assert.equal(await r.exists(`${other}:keep`), 1);
    assert.equal(await r.exists(`${mine}x:keep`), 1);
    await assert.rejects(cleanupPrefix(TEST_REDIS_URL, '*'), /unusual prefix/);
  });
});
