import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import {
  closeRedis,
  createInspector,
  createProducer,
  createRedis,
  InvalidJobPayloadError,
  laneFor,
  PUSH_LANE,
  ping,
  QueueUnavailableError,
} from '../src/index.ts';
import { type Env, syncPayload, testEnv } from './helpers.ts';

function setup(env: Env) {
  const redis = env.redis('producer');
  const producer = createProducer({ redis, prefix: env.prefix, logger: env.logger });
  const inspect = createInspector({ redis, prefix: env.prefix });
  env.defer(() => producer.close());
  env.defer(() => inspect.close());
  return { redis, producer, inspect };
}

describe('producer', () => {
  it('uses targetId as jobId, so enqueueing twice keeps one job', async (t) => {
    const { producer, inspect } = setup(testEnv(t));
    const payload = syncPayload();
    const first = await producer.enqueue('target.sync', payload, { lane: PUSH_LANE });
    const second = await producer.enqueue(
      'target.sync',
      { ...payload, sha: 'b'.repeat(40) },
      { lane: PUSH_LANE },
    );
    assert.equal(first.jobId, payload.targetId);
    assert.equal(second.jobId, payload.targetId);
    assert.equal((await inspect.getCounts(PUSH_LANE)).waiting, 1);
    const job = await inspect.getJob(PUSH_LANE, payload.targetId);
    assert.deepEqual(job?.data, payload, 'the first payload is kept');
    assert.equal(job?.maxAttempts, 5);
  });

  it('refuses an invalid payload before touching Redis', async (t) => {
    const { producer, inspect } = setup(testEnv(t));
    const bad = { ...syncPayload(), sha: 'not-a-sha' };
    await assert.rejects(
      producer.enqueue('target.sync', bad, { lane: PUSH_LANE }),
      (err: unknown) =>
        err instanceof InvalidJobPayloadError && err.code === 'invalid_job_payload' && err.issues.length > 0,
    );
    const missing = { v: 1, targetId: 'tgt_1' } as unknown as ReturnType<typeof syncPayload>;
    await assert.rejects(
      producer.enqueue('target.sync', missing, { lane: PUSH_LANE }),
      InvalidJobPayloadError,
    );
    assert.equal((await inspect.getCounts(PUSH_LANE)).waiting, 0);
  });

  it('adds a batch across lanes with addBulk, all or nothing on validation', async (t) => {
    const { producer, inspect } = setup(testEnv(t));
    const a = syncPayload('clu_a');
    const b = syncPayload('clu_b');
    const c = syncPayload('clu_push');
    const laneA = laneFor({ mode: 'pull', clusterId: 'clu_a' });
    const laneB = laneFor({ mode: 'pull', clusterId: 'clu_b' });
    await assert.rejects(
      producer.enqueueMany([
        { name: 'target.sync', payload: a, lane: laneA },
        { name: 'target.sync', payload: { ...b, v: 2 as 1 }, lane: laneB },
      ]),
      InvalidJobPayloadError,
    );
    assert.equal((await inspect.getCounts(laneA)).waiting, 0);

    const { jobIds } = await producer.enqueueMany([
      { name: 'target.sync', payload: a, lane: laneA },
      { name: 'target.sync', payload: c, lane: PUSH_LANE },
      { name: 'target.sync', payload: b, lane: laneB },
    ]);
    assert.deepEqual(jobIds, [a.targetId, c.targetId, b.targetId]);
    assert.equal((await inspect.getCounts(laneA)).waiting, 1);
    assert.equal((await inspect.getCounts(laneB)).waiting, 1);
    assert.equal((await inspect.getCounts(PUSH_LANE)).waiting, 1);
  });

  it('collapses pending app.reconcile jobs for the same application and cluster', async (t) => {
    const { producer, inspect } = setup(testEnv(t));
    const p = { v: 1 as const, applicationId: 'app_1', clusterId: 'clu_1' };
    const first = await producer.enqueue('app.reconcile', p, { lane: PUSH_LANE });
    const second = await producer.enqueue('app.reconcile', p, { lane: PUSH_LANE });
    assert.equal(second.jobId, first.jobId);
    assert.equal((await inspect.getCounts(PUSH_LANE)).waiting, 1);
  });

  it('puts a job with delayMs in delayed', async (t) => {
    const { producer, inspect } = setup(testEnv(t));
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE, delayMs: 60_000 });
    assert.equal((await inspect.getJob(PUSH_LANE, p.targetId))?.state, 'delayed');
  });

  it('rejects promptly with QueueUnavailableError when Redis is unreachable', {
    timeout: 30_000,
  }, async (t) => {
    const env = testEnv(t);
    const redis = createRedis('redis://127.0.0.1:1', {
      role: 'producer',
      logger: env.logger,
      connectTimeoutMs: 500,
    });
    env.defer(() => closeRedis(redis));
    const producer = createProducer({ redis, prefix: env.prefix, logger: env.logger, readyTimeoutMs: 300 });
    env.defer(() => producer.close());
    await assert.rejects(
      producer.enqueue('target.sync', syncPayload(), { lane: PUSH_LANE }),
      (err: unknown) =>
        err instanceof QueueUnavailableError && err.code === 'unavailable' && err.status === 503,
    );
    await assert.rejects(
      producer.enqueueMany([{ name: 'target.sync', payload: syncPayload(), lane: PUSH_LANE }]),
      QueueUnavailableError,
    );
    const health = await ping(redis, 300);
    assert.equal(health.ok, false);
    assert.ok(health.error);
  });

  it('recovers once Redis is reachable again', async (t) => {
    const env = testEnv(t);
    const { redis, producer, inspect } = setup(env);
    assert.deepEqual(await ping(redis), { ok: true });
    // A Queue left by a failed call must still work: BullMQ's version check is skipped on purpose.
    redis.disconnect(true);
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    assert.equal((await inspect.getJob(PUSH_LANE, p.targetId))?.state, 'waiting');
  });

  it('lets a raw BullMQ Queue see the same jobs (prefix and lane are plain BullMQ)', async (t) => {
    const env = testEnv(t);
    const { producer } = setup(env);
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    const raw = new Queue(PUSH_LANE, { connection: env.redis('worker'), prefix: env.prefix });
    env.defer(() => raw.close());
    const job = await raw.getJob(p.targetId);
    assert.equal(job?.name, 'target.sync');
    assert.equal(job?.opts.attempts, 5);
    assert.deepEqual(job?.opts.backoff, { type: 'exponential', delay: 5_000, jitter: 0.3 });
  });
});
