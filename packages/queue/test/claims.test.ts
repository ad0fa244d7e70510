import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import {
  type ClaimerOptions,
  closeRedis,
  createClaimer,
  createInspector,
  createProducer,
  createRedis,
  LockLostError,
  laneFor,
  withPolicies,
} from '../src/index.ts';
import { type Env, syncPayload, TEST_REDIS_URL, testEnv, waitFor } from './helpers.ts';

const laneA = laneFor({ mode: 'pull', clusterId: 'clu_a' });
const laneB = laneFor({ mode: 'pull', clusterId: 'clu_b' });
const catalog = withPolicies({
  'target.sync': { attempts: 3, backoff: { type: 'exponential', delay: 50, jitter: 0 } },
});

function setup(env: Env, extra: Partial<ClaimerOptions> = {}) {
  const redis = env.redis('producer');
  const producer = createProducer({ redis, prefix: env.prefix, logger: env.logger, catalog });
  const claimer = createClaimer({ redis, prefix: env.prefix, logger: env.logger, catalog, ...extra });
  const inspect = createInspector({ redis, prefix: env.prefix });
  env.defer(() => producer.close());
  env.defer(() => claimer.close());
  env.defer(() => inspect.close());
  return { redis, producer, claimer, inspect };
}

/** Counts connections whose CLIENT SETNAME carries this test's prefix, from an unnamed observer. */
function connectionCounter(env: Env): () => Promise<number> {
  const observer = createRedis(TEST_REDIS_URL, { role: 'worker', logger: env.logger, name: 'observer' });
  env.defer(() => closeRedis(observer));
  return async () => {
    const list = String(await observer.client('LIST'));
    return list.split('\n').filter((line) => line.includes(env.prefix)).length;
  };
}

describe('claims (pull lanes)', () => {
  it('claims without blocking, extends the lock, completes; lanes are isolated', async (t) => {
    const env = testEnv(t);
    const { producer, claimer, inspect, redis } = setup(env);
    const a = syncPayload('clu_a');
    const b = syncPayload('clu_b');
    await producer.enqueue('target.sync', a, { lane: laneA });
    await producer.enqueue('target.sync', b, { lane: laneB });

    const job = await claimer.claimNext(laneA, 'tok-a', 5_000);
    assert.ok(job);
    assert.equal(job.name, 'target.sync');
    assert.equal(job.jobId, a.targetId);
    assert.deepEqual(job.payload, a);
    assert.equal(job.attempt, 1);
    assert.equal(await claimer.claimNext(laneA, 'tok-a2'), undefined, 'lane A is empty now');

    const lockKey = `${env.prefix}:${laneA}:${a.targetId}:lock`;
    assert.ok((await redis.pttl(lockKey)) <= 5_000);
    await claimer.extendLock(laneA, job.jobId, 'tok-a', 120_000);
    assert.ok((await redis.pttl(lockKey)) > 5_000, 'the lock was extended');
    await assert.rejects(claimer.extendLock(laneA, job.jobId, 'someone-else', 1_000), LockLostError);
    await assert.rejects(claimer.complete(laneA, job.jobId, 'someone-else'), LockLostError);

    assert.equal((await inspect.getCounts(laneB)).waiting, 1, 'lane B untouched');
    await claimer.complete(laneA, job.jobId, 'tok-a', { applied: 1 });
    const done = await inspect.getJob(laneA, a.targetId);
    assert.equal(done?.state, 'completed');
    assert.deepEqual(done?.returnValue, { applied: 1 });

    const other = await claimer.claimNext(laneB, 'tok-b');
    assert.equal(other?.jobId, b.targetId);
  });

  it('fails a claimed job: transient is retried with backoff, permanent is final', async (t) => {
    const { producer, claimer, inspect } = setup(testEnv(t));
    const a = syncPayload('clu_a');
    const b = syncPayload('clu_a');
    await producer.enqueueMany([
      { name: 'target.sync', payload: a, lane: laneA },
      { name: 'target.sync', payload: b, lane: laneA },
    ]);
    const first = await claimer.claimNext(laneA, 'tok-1');
    const second = await claimer.claimNext(laneA, 'tok-2');
    assert.ok(first && second);
    await claimer.fail(laneA, first.jobId, 'tok-1', 'api server unreachable');
    await claimer.fail(laneA, second.jobId, 'tok-2', 'manifest invalid', { permanent: true });
    assert.equal((await inspect.getJob(laneA, second.jobId))?.state, 'failed');
    // The retry is claimable again once its backoff has passed, as attempt 2.
    const retried = await waitFor('retry claimable', () => claimer.claimNext(laneA, 'tok-3'));
    assert.equal(retried.jobId, first.jobId);
    assert.equal(retried.attempt, 2);
  });

  it('fails a corrupted job at claim time and hands out the next valid one', async (t) => {
    const env = testEnv(t);
    const { producer, claimer, inspect } = setup(env);
    const raw = new Queue(laneA, { connection: env.redis('worker'), prefix: env.prefix });
    env.defer(() => raw.close());
    await raw.add('target.sync', { v: 1, targetId: 7 }, { jobId: 'corrupt', attempts: 5 });
    const good = syncPayload('clu_a');
    await producer.enqueue('target.sync', good, { lane: laneA });
    const job = await claimer.claimNext(laneA, 'tok');
    assert.equal(job?.jobId, good.targetId);
    const corrupt = await inspect.getJob(laneA, 'corrupt');
    assert.equal(corrupt?.state, 'failed');
    assert.equal(corrupt?.attemptsMade, 1);
  });

  it('puts a claim whose lock expired back on the lane', async (t) => {
    const { producer, claimer } = setup(testEnv(t), { stalledIntervalMs: 100 });
    const a = syncPayload('clu_a');
    await producer.enqueue('target.sync', a, { lane: laneA });
    assert.equal((await claimer.claimNext(laneA, 'agent-that-dies', 150))?.jobId, a.targetId);
    const again = await waitFor('job reclaimable', () => claimer.claimNext(laneA, 'agent-2'));
    assert.equal(again.jobId, a.targetId);
  });

  it('onJobAdded wakes a waiter on its lane only', async (t) => {
    const { producer, claimer } = setup(testEnv(t));
    const woke: string[] = [];
    const stopA = await claimer.onJobAdded(laneA, (lane) => woke.push(lane));
    await claimer.onJobAdded(laneB, (lane) => woke.push(lane));
    await producer.enqueue('target.sync', syncPayload('clu_b'), { lane: laneB });
    await waitFor('lane B woke', () => woke.includes(laneB));
    assert.ok(!woke.includes(laneA));
    await producer.enqueue('target.sync', syncPayload('clu_a'), { lane: laneA });
    await waitFor('lane A woke', () => woke.includes(laneA));
    stopA();
    const before = woke.length;
    await producer.enqueue('target.sync', syncPayload('clu_a'), { lane: laneA });
    await producer.enqueue('target.sync', syncPayload('clu_b'), { lane: laneB });
    await waitFor('lane B woke again', () => woke.filter((l) => l === laneB).length === 2);
    assert.equal(woke.slice(before).includes(laneA), false, 'unsubscribed lane stays quiet');
  });

  it("wake() wakes the lane's waiters, in any claimer, without adding a job", async (t) => {
    const env = testEnv(t);
    const { claimer } = setup(env);
    const other = createClaimer({ redis: env.redis('producer'), prefix: env.prefix, logger: env.logger });
    env.defer(() => other.close());
    const woke: string[] = [];
    await claimer.onJobAdded(laneA, (lane) => woke.push(`first:${lane}`));
    await other.onJobAdded(laneB, (lane) => woke.push(`other:${lane}`));
    await other.wake(laneA);
    await waitFor('lane A woke', () => woke.includes(`first:${laneA}`));
    assert.equal(await claimer.claimNext(laneA, 'tok'), undefined, 'no job was added');
    assert.ok(!woke.some((w) => w.endsWith(laneB)));
  });

  it('onJobAdded wakes when a delayed job becomes due', async (t) => {
    const { producer, claimer } = setup(testEnv(t));
    let woke = 0;
    await claimer.onJobAdded(laneA, () => {
      woke += 1;
    });
    const a = syncPayload('clu_a');
    await producer.enqueue('target.sync', a, { lane: laneA, delayMs: 200 });
    await waitFor('woken at the due time', () => woke > 0);
    assert.equal((await claimer.claimNext(laneA, 'tok'))?.jobId, a.targetId);
  });

  it('uses the same connections for 1 lane or 50 lanes', async (t) => {
    const env = testEnv(t);
    const connectionsOf = connectionCounter(env);
    const { producer, claimer } = setup(env);
    await claimer.onJobAdded(laneFor({ mode: 'pull', clusterId: 'clu_0' }), () => {});
    await claimer.claimNext(laneFor({ mode: 'pull', clusterId: 'clu_0' }), 'tok');
    await producer.enqueue('target.sync', syncPayload('clu_0'), {
      lane: laneFor({ mode: 'pull', clusterId: 'clu_0' }),
    });
    const baseline = await connectionsOf();
    assert.equal(baseline, 2, 'one command connection and one watch connection');

    const woke = new Set<string>();
    for (let i = 1; i < 50; i++) {
      const lane = laneFor({ mode: 'pull', clusterId: `clu_${i}` });
      await claimer.onJobAdded(lane, (l) => woke.add(l));
      await claimer.claimNext(lane, `tok-${i}`);
    }
    const last = laneFor({ mode: 'pull', clusterId: 'clu_49' });
    await producer.enqueue('target.sync', syncPayload('clu_49'), { lane: last });
    await waitFor('lane 49 woke', () => woke.has(last));
    assert.equal(await connectionsOf(), baseline);
  });
});
