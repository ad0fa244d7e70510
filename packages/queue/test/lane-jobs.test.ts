import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLaneJobs, createProducer, LIVE_STATES, PUSH_LANE, waitForReady } from '../src/index.ts';
import { syncPayload, testEnv } from './helpers.ts';

it("lane jobs: a job's state, removal of a waiting or finished job, and the next delayed due time", async (t) => {
  const env = testEnv(t);
  const redis = env.redis('producer');
  await waitForReady(redis, 5_000);
  const producer = createProducer({ redis, prefix: env.prefix, logger: env.logger });
  const jobs = createLaneJobs({ redis, prefix: env.prefix });
  env.defer(() => producer.close());
  env.defer(() => jobs.close());

  const payload = syncPayload();
  assert.equal(await jobs.state(PUSH_LANE, payload.targetId), 'missing');
  assert.equal(await jobs.nextDueAt(PUSH_LANE), undefined);
  await producer.enqueue('target.sync', payload, { lane: PUSH_LANE });
  const state = await jobs.state(PUSH_LANE, payload.targetId);
  assert.equal(state, 'waiting');
  assert.ok(LIVE_STATES.has(state));
  assert.equal(await jobs.remove(PUSH_LANE, payload.targetId), true);
  assert.equal(await jobs.state(PUSH_LANE, payload.targetId), 'missing');

  const later = syncPayload();
  const before = Date.now();
  await producer.enqueue('target.sync', later, { lane: PUSH_LANE, delayMs: 60_000 });
  assert.equal(await jobs.state(PUSH_LANE, later.targetId), 'delayed');
  const due = await jobs.nextDueAt(PUSH_LANE);
  assert.ok(due !== undefined && due >= before + 60_000 && due <= Date.now() + 60_000, String(due));
});
