import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTarget } from '@tether/db';
import { createConsumer, PUSH_LANE } from '@tether/queue';
import { TEST_REDIS_URL } from '@tether/testing/redis';
import { tryLock } from '../src/redis-lock.ts';
import { sweepLockKey } from '../src/sweeper.ts';
import { TEST_CATALOG, testEnv, waitFor } from './helpers.ts';

const SWEEP_FAST = { sweeper: { graceMs: 200, intervalMs: 300 } };

test('the sweeper re-enqueues a queued target whose job vanished and a running one whose worker died', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('a');
  await env.addCluster('b');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['a', 'b'],
    namespace: 'web',
    createNamespace: true,
  });
  const deployment = await env.deploy(appId, sha);
  const [lost, crashed] = deployment.targets;
  assert.ok(lost && crashed);
  // Redis forgot both jobs (a restart without persistence); one target had been started by a
  // worker that died with it.
  assert.equal(await env.jobs.remove(lost.id), true);
  assert.equal(await env.jobs.remove(crashed.id), true);
  await startTarget(env.db, crashed.id, { actor: { type: 'worker', name: 'dead-worker' } });
  assert.equal(await env.jobs.state(lost.id), 'missing');

  await env.startWorker('worker-a', SWEEP_FAST);
  for (const target of [lost, crashed]) {
    const done = await env.waitForTarget(target.id);
    assert.equal(done.status, 'succeeded', done.error ?? undefined);
  }
  assert.deepEqual(
    (await env.events(lost.id)).map((e) => e.type),
    ['target.queued', 'target.requeued', 'target.started', 'target.succeeded'],
  );
  const crashedEvents = await env.events(crashed.id);
  assert.deepEqual(
    crashedEvents.map((e) => `${e.type}:${e.actorName}`),
    [
      'target.queued:test',
      'target.started:dead-worker',
      'target.requeued:worker-a',
      'target.started:worker-a',
      'target.succeeded:worker-a',
    ],
  );
  assert.deepEqual(crashedEvents[2]?.data, {
    from: 'running',
    to: 'queued',
    attempts: 1,
    reason: 'worker_lost',
    jobState: 'missing',
  });
});

test('the sweeper replaces a finished job that lingers for a target still queued', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('a');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['a'],
    namespace: 'web',
    createNamespace: true,
  });
  const deployment = await env.deploy(appId, sha);
  const target = deployment.targets[0];
  assert.ok(target);
  // A job consumed before its target's transaction was visible: completed, target still queued.
  const impostor = createConsumer({
    connection: { url: TEST_REDIS_URL },
    lane: PUSH_LANE,
    prefix: env.prefix,
    catalog: TEST_CATALOG,
    logger: env.logger,
    handlers: { 'target.sync': async () => ({ skipped: 'target_not_found' }) },
  });
  await waitFor('impostor done', async () => (await env.jobs.state(target.id)) === 'completed');
  await impostor.close();

  const worker = await env.startWorker('worker-a', SWEEP_FAST);
  const done = await env.waitForTarget(target.id);
  assert.equal(done.status, 'succeeded', done.error ?? undefined);
  const events = await env.events(target.id);
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.requeued', 'target.started', 'target.succeeded'],
  );
  assert.equal((events[1]?.data as { jobState?: string } | undefined)?.jobState, 'completed');
  // Nothing left to recover.
  const report = await waitFor('a sweep that ran', () => worker.sweep());
  assert.deepEqual(report.requeued, []);
});

test('only the holder of the sweep lock sweeps; a target is re-enqueued once', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('a');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['a'],
    namespace: 'web',
    createNamespace: true,
  });
  const deployment = await env.deploy(appId, sha);
  const target = deployment.targets[0];
  assert.ok(target);
  assert.equal(await env.jobs.remove(target.id), true);
  // Sweeps only when asked (the first, at start, finds the target still within its grace).
  const manual = { sweeper: { graceMs: 300, intervalMs: 3_600_000 } };
  const [a, b] = await Promise.all([
    env.startWorker('worker-a', manual),
    env.startWorker('worker-b', manual),
  ]);
  await waitFor('grace passed', async () => Date.now() - deployment.createdAt.getTime() > 600);

  const other = await tryLock(env.redis, sweepLockKey(env.prefix), 'another-worker', 60_000);
  assert.ok(other);
  assert.deepEqual(await a.sweep(), { ran: false, examined: 0, requeued: [] });
  assert.equal(await env.jobs.state(target.id), 'missing');
  await other.release();

  const reports = await Promise.all([a.sweep(), b.sweep()]);
  assert.deepEqual(
    reports.flatMap((r) => r?.requeued ?? []),
    [target.id],
  );
  const done = await env.waitForTarget(target.id);
  assert.equal(done.status, 'succeeded', done.error ?? undefined);
  assert.deepEqual(await b.sweep(), { ran: true, examined: 0, requeued: [] });
  const types = (await env.events(target.id)).map((e) => e.type);
  assert.deepEqual(types, ['target.queued', 'target.requeued', 'target.started', 'target.succeeded']);
});
