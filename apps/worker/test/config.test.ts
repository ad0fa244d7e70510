import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@tether/core';
import { loadWorkerConfig } from '../src/config.ts';

test('config: defaults, and every problem reported at once', () => {
  const config = loadWorkerConfig({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/tether' });
  assert.deepEqual(config, {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/tether',
    REDIS_URL: 'redis://127.0.0.1:6379',
    TETHER_DATA_DIR: '.tether-data',
    TETHER_WORKER_CONCURRENCY: 4,
    TETHER_QUEUE_PREFIX: 'tether',
    TETHER_KUBE_TIMEOUT_MS: 15_000,
    TETHER_HEALTH_TIMEOUT_MS: 300_000,
    TETHER_RESYNC_INTERVAL: 180,
    TETHER_MIGRATE_ON_START: 'true',
    TETHER_WORKER_ID: undefined,
  });
  assert.throws(
    () => loadWorkerConfig({ REDIS_URL: 'http://nope', TETHER_WORKER_CONCURRENCY: 'many' }),
    (err: unknown) => err instanceof ConfigError && err.problems.length === 3,
  );
});
