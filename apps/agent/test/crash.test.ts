// An agent killed mid-job (SIGKILL: no release, no report): its lease runs out and another agent
// of the same cluster finishes the job, fenced by a new epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorld, targetOn, waitFor } from './helpers.ts';

test('crash: an agent SIGKILLed mid-job; another agent of the cluster finishes it after the lease', async (t) => {
  // Workloads take 4 s to become ready: the first agent is still in its health wait when killed.
  const w = await startWorld(t, { leaseTtlSeconds: 3, readyDelayMs: 4_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const first = await w.agent(edge);
  const firstId = (await first.waitForLog((l) => l.msg === 'registered; credential stored', 'first')).agentId;

  const d = await w.deploy('guestbook');
  const claimed = await first.waitForLog((l) => l.msg === 'job claimed', 'the first claim');
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };
  await waitFor('the first agent to apply', () => w.kube('edge').get(ref));
  assert.equal(
    first.lines().some((l) => l.msg === 'result reported'),
    false,
    'still mid-job',
  );
  first.kill('SIGKILL');
  assert.equal(await first.exited, null, 'killed by the signal');

  const second = await w.agent(edge, { bootstrapToken: await w.bootstrapToken('edge') });
  const secondId = (await second.waitForLog((l) => l.msg === 'registered; credential stored', 'second'))
    .agentId;
  assert.notEqual(secondId, firstId);
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const target = targetOn(done, 'edge');
  assert.equal(target.attempts, 2);

  const retaken = await second.waitForLog((l) => l.msg === 'job claimed', 'the second claim');
  assert.equal(retaken.targetId, claimed.targetId);
  assert.ok((retaken.epoch as number) > (claimed.epoch as number), 'a new epoch fences the dead holder');
  const events = await w.auditTypes(claimed.targetId as string);
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.lease_expired', 'target.started', 'target.succeeded'],
  );
  // Expired by the gateway's sweeper or by the second claim itself, whichever came first.
  assert.deepEqual(
    events
      .filter((e) => e.type !== 'target.lease_expired' && e.type !== 'target.queued')
      .map((e) => e.actorName),
    [firstId, secondId, secondId],
  );
});

test('crash: a frozen agent outlives its lease; on waking it is fenced (409 lease_lost) and reports nothing', async (t) => {
  const w = await startWorld(t, { leaseTtlSeconds: 3, readyDelayMs: 5_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const first = await w.agent(edge);
  const firstId = (await first.waitForLog((l) => l.msg === 'agent running', 'first')).agentId;
  const d = await w.deploy('guestbook');
  const claimed = await first.waitForLog((l) => l.msg === 'job claimed', 'the first claim');
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };
  await waitFor('the first agent to apply', () => w.kube('edge').get(ref));
  first.kill('SIGSTOP'); // Frozen: no heartbeats, but alive.
  t.after(() => first.kill('SIGCONT'));

  const second = await w.agent(edge, { bootstrapToken: await w.bootstrapToken('edge') });
  const secondId = (await second.waitForLog((l) => l.msg === 'agent running', 'second')).agentId;
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));

  first.kill('SIGCONT');
  const ended = await first.waitForLog((l) => l.msg === 'job ended', 'the frozen job to end');
  assert.equal(ended.end, 'lease_lost');
  assert.equal(
    first.lines().some((l) => l.msg === 'result reported'),
    false,
    'the stale holder reported nothing',
  );
  const events = await w.auditTypes(claimed.targetId as string);
  assert.deepEqual(
    events
      .filter((e) => e.type === 'target.started' || e.type === 'target.succeeded')
      .map((e) => e.actorName),
    [firstId, secondId, secondId],
  );
  assert.equal(first.child.exitCode, null, 'the fenced agent carries on');
});
