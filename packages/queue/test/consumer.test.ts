import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import {
  type Consumer,
  type ConsumerOptions,
  createConsumer,
  createInspector,
  createProducer,
  type JobContext,
  type JobPolicy,
  PermanentJobError,
  PUSH_LANE,
  withPolicies,
} from '../src/index.ts';
import { deferred, type Env, syncPayload, testEnv, waitFor } from './helpers.ts';

const fast: Partial<JobPolicy> = { backoff: { type: 'exponential', delay: 50, jitter: 0.2 } };

function setup(env: Env, policy: Partial<JobPolicy> = {}) {
  const catalog = withPolicies({ 'target.sync': { ...fast, ...policy } });
  const producerRedis = env.redis('producer');
  const producer = createProducer({ redis: producerRedis, prefix: env.prefix, logger: env.logger, catalog });
  const inspect = createInspector({ redis: producerRedis, prefix: env.prefix });
  env.defer(() => producer.close());
  env.defer(() => inspect.close());
  const consume = (handlers: ConsumerOptions['handlers'], extra: Partial<ConsumerOptions> = {}): Consumer => {
    const consumer = createConsumer({
      connection: env.redis('worker'),
      prefix: env.prefix,
      lane: PUSH_LANE,
      logger: env.logger,
      catalog,
      handlers,
      ...extra,
    });
    env.defer(() => consumer.close({ deadlineMs: 1_000, abortGraceMs: 500 }));
    return consumer;
  };
  const stateOf = async (id: string) => (await inspect.getJob(PUSH_LANE, id))?.state;
  return { producer, inspect, consume, stateOf };
}

describe('consumer', () => {
  it('delivers the typed payload and context to the handler', async (t) => {
    const { producer, consume, inspect, stateOf } = setup(testEnv(t));
    const seen: { targetId: string; ctx: JobContext }[] = [];
    consume({
      'target.sync': async (payload, ctx) => {
        seen.push({ targetId: payload.targetId, ctx });
        return { applied: 3 };
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await waitFor('job completed', async () => (await stateOf(p.targetId)) === 'completed');
    assert.equal(seen.length, 1);
    const ctx = seen[0]?.ctx;
    assert.equal(seen[0]?.targetId, p.targetId);
    assert.equal(ctx?.jobId, p.targetId);
    assert.equal(ctx?.attempt, 1);
    assert.equal(ctx?.isFinalAttempt, false);
    assert.equal(ctx?.signal.aborted, false);
    assert.deepEqual((await inspect.getJob(PUSH_LANE, p.targetId))?.returnValue, { applied: 3 });
  });

  it('fails a corrupted payload on pickup as unrecoverable, without retries', async (t) => {
    const env = testEnv(t);
    const { consume, inspect, stateOf } = setup(env);
    const raw = new Queue(PUSH_LANE, { connection: env.redis('worker'), prefix: env.prefix });
    env.defer(() => raw.close());
    let calls = 0;
    consume({
      'target.sync': async () => {
        calls += 1;
      },
    });
    await raw.add('target.sync', { v: 1, targetId: 42 }, { jobId: 'corrupt', attempts: 5, backoff: 10 });
    await raw.add('target.sync', { ...syncPayload(), v: 2 }, { jobId: 'future', attempts: 5, backoff: 10 });
    await raw.add('deploy.everything', { v: 1 }, { jobId: 'unknown', attempts: 5, backoff: 10 });
    for (const id of ['corrupt', 'future', 'unknown']) {
      await waitFor(`${id} failed`, async () => (await stateOf(id)) === 'failed');
      const job = await inspect.getJob(PUSH_LANE, id);
      assert.equal(job?.attemptsMade, 1, `${id} was not retried`);
    }
    assert.match((await inspect.getJob(PUSH_LANE, 'corrupt'))?.failedReason ?? '', /invalid_job_payload/);
    assert.match(
      (await inspect.getJob(PUSH_LANE, 'future'))?.failedReason ?? '',
      /unsupported payload version 2/,
    );
    assert.match((await inspect.getJob(PUSH_LANE, 'unknown'))?.failedReason ?? '', /unknown job name/);
    assert.equal(calls, 0, 'the handler never saw them');
    assert.ok(env.records.some((r) => r.msg.startsWith('job refused: invalid_job_payload')));
  });

  it('retries a transient failure with backoff, counting attempts, then succeeds', async (t) => {
    const env = testEnv(t);
    const { producer, consume, inspect, stateOf } = setup(env, { attempts: 3 });
    const attempts: [number, boolean][] = [];
    consume({
      'target.sync': async (_p, ctx) => {
        attempts.push([ctx.attempt, ctx.isFinalAttempt]);
        if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        return 'ok';
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await waitFor('job completed', async () => (await stateOf(p.targetId)) === 'completed');
    assert.deepEqual(attempts, [
      [1, false],
      [2, false],
      [3, true],
    ]);
    const job = await inspect.getJob(PUSH_LANE, p.targetId);
    assert.equal(job?.attemptsMade, 3, 'BullMQ counts the successful attempt too');
    // Each retry went through `delayed` (backoff), not straight back to wait.
    const r = env.redis('worker');
    const events = await r.xrange(`${env.prefix}:${PUSH_LANE}:events`, '-', '+');
    const delayed = events.filter(([, f]) => f[1] === 'delayed' && f.includes(p.targetId));
    assert.equal(delayed.length, 2);
  });

  it('does not retry a PermanentJobError', async (t) => {
    const { producer, consume, inspect, stateOf } = setup(testEnv(t), { attempts: 5 });
    let calls = 0;
    consume({
      'target.sync': async () => {
        calls += 1;
        throw new PermanentJobError('manifest is invalid');
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await waitFor('job failed', async () => (await stateOf(p.targetId)) === 'failed');
    const job = await inspect.getJob(PUSH_LANE, p.targetId);
    assert.equal(calls, 1);
    assert.equal(job?.attemptsMade, 1);
    assert.match(job?.failedReason ?? '', /permanent: manifest is invalid/);
  });

  it('enforces timeoutMs: the signal is aborted and the attempt fails with a timeout', async (t) => {
    const { producer, consume, inspect, stateOf } = setup(testEnv(t), { attempts: 1, timeoutMs: 150 });
    let signal: AbortSignal | undefined;
    consume({
      'target.sync': (_p, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {}); // never settles
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await waitFor('job failed', async () => (await stateOf(p.targetId)) === 'failed');
    assert.match((await inspect.getJob(PUSH_LANE, p.targetId))?.failedReason ?? '', /job_timeout/);
    assert.equal(signal?.aborted, true);
    assert.equal((signal?.reason as Error | undefined)?.name, 'JobTimeoutError');
  });

  it('close() waits for the running job to finish', async (t) => {
    const { producer, consume, stateOf } = setup(testEnv(t));
    const started = deferred();
    const release = deferred();
    const consumer = consume({
      'target.sync': async () => {
        started.resolve();
        await release.promise;
        return 'done';
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await started.promise;
    let closed = false;
    const closing = consumer.close({ deadlineMs: 30_000 }).then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(closed, false, 'close must wait for the handler');
    assert.equal(consumer.running(), 1);
    release.resolve();
    await closing;
    assert.equal(await stateOf(p.targetId), 'completed');
  });

  it('after the close deadline, aborts the handler and returns its job to wait', async (t) => {
    const { producer, consume, inspect, stateOf } = setup(testEnv(t), { attempts: 2 });
    const started = deferred();
    let signal: AbortSignal | undefined;
    const consumer = consume({
      'target.sync': (_p, ctx) => {
        signal = ctx.signal;
        started.resolve();
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        );
      },
    });
    const p = syncPayload();
    await producer.enqueue('target.sync', p, { lane: PUSH_LANE });
    await started.promise;
    await consumer.close({ deadlineMs: 100, abortGraceMs: 5_000 });
    assert.equal(signal?.aborted, true);
    assert.equal(await stateOf(p.targetId), 'waiting');
    assert.equal((await inspect.getJob(PUSH_LANE, p.targetId))?.attemptsMade, 0, 'no attempt spent');
  });

  it('refuses a connection that BullMQ cannot use for a worker', (t) => {
    const env = testEnv(t);
    assert.throws(
      () =>
        createConsumer({
          connection: env.redis('producer'),
          lane: PUSH_LANE,
          logger: env.logger,
          prefix: env.prefix,
          handlers: {},
        }),
      /maxRetriesPerRequest: null/,
    );
  });
});
