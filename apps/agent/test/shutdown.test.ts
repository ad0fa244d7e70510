// SIGTERM mid-job: within the grace period the agent finishes the job and reports it; past it, the
// agent stops the apply and releases the job (a transient failure: back in the queue), then exits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorld, targetOn, waitFor } from './helpers.ts';

const REF = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };

test('shutdown: SIGTERM mid-job finishes the job within the grace period, then exits 0', async (t) => {
  const w = await startWorld(t, { readyDelayMs: 3_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, { env: { TETHER_AGENT_SHUTDOWN_GRACE_MS: '60000' } });
  await agent.waitForLog((l) => l.msg === 'agent running', 'the agent running');
  const d = await w.deploy('guestbook');
  await waitFor('the apply', () => w.kube('edge').get(REF));
  assert.equal(
    agent.lines().some((l) => l.msg === 'result reported'),
    false,
    'still in the health wait',
  );

  agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.output());
  const reported = agent.lines().find((l) => l.msg === 'result reported');
  assert.equal(reported?.status, 'succeeded');
  const done = await w.deployment(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(targetOn(done, 'edge').attempts, 1);
});

test('shutdown: past the grace period the job is released to the queue and taken by the next agent', async (t) => {
  const w = await startWorld(t, { readyDelayMs: 8_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, { env: { TETHER_AGENT_SHUTDOWN_GRACE_MS: '200' } });
  const { agentId } = await agent.waitForLog((l) => l.msg === 'agent running', 'the agent running');
  const d = await w.deploy('guestbook');
  await waitFor('the apply', () => w.kube('edge').get(REF));

  agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.output());
  const reported = agent.lines().find((l) => l.msg === 'result reported');
  assert.equal(reported?.status, 'failed');
  assert.equal(reported?.error, 'agent_shutdown');
  const row = await w.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id as string } });
  const events = await w.auditTypes(row.id);
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.retried'],
  );
  assert.equal(events[2]?.actorName, agentId);
  assert.equal(events[2]?.data.errorCode, 'agent_shutdown');

  const next = await w.agent(edge, { bootstrapToken: await w.bootstrapToken('edge') });
  await next.waitForLog((l) => l.msg === 'agent running', 'the next agent');
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(targetOn(done, 'edge').attempts, 2);
});
