// A deployment cancelled while an agent applies it: the agent hears it on its next heartbeat,
// stops at the next object boundary (here: its health wait), reports nothing, and keeps serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorld, targetOn, waitFor } from './helpers.ts';

test('cancel: the heartbeat says cancel; the agent stops the job without a report and takes the next', async (t) => {
  const w = await startWorld(t, { leaseTtlSeconds: 3, readyDelayMs: 6_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge);
  await agent.waitForLog((l) => l.msg === 'agent running', 'the agent running');
  const d = await w.deploy('guestbook');
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };
  await waitFor('the apply', () => w.kube('edge').get(ref));

  const cancelled = await w.api('POST', `/deployments/${d.id}/cancel`);
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  await agent.waitForLog((l) => l.msg === 'the control plane cancelled the job; stopping', 'the cancel');
  const ended = await agent.waitForLog((l) => l.msg === 'job ended', 'the job to end');
  assert.equal(ended.end, 'cancelled');
  assert.equal(
    agent.lines().some((l) => l.msg === 'result reported'),
    false,
    'nothing reported',
  );
  const after = await w.deployment(d.id as string);
  assert.equal(after.status, 'cancelled');
  assert.equal(targetOn(after, 'edge').status, 'cancelled');

  const next = await w.deploy('guestbook');
  const done = await w.settled(next.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(agent.child.exitCode, null);
});
