// The control plane and the agent are not always connected: jobs wait in the cluster's lane while
// no agent is, the credential survives a restart, and an unreachable control plane is retried
// with backoff until it answers again.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWorld, targetOn } from './helpers.ts';

test('offline: a job queued while no agent is connected is delivered when it comes back, same identity', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const stateDir = await mkdtemp(join(tmpdir(), 'tether-agent-offline-'));
  t.after(() => rm(stateDir, { recursive: true, force: true }));

  const first = await w.agent(edge, { stateDir });
  const { agentId } = await first.waitForLog(
    (l) => l.msg === 'registered; credential stored',
    'registration',
  );
  assert.equal((await stat(join(stateDir, 'credential.json'))).mode & 0o777, 0o600);
  first.kill('SIGTERM');
  assert.equal(await first.exited, 0, first.output());

  const d = await w.deploy('guestbook');
  assert.equal(targetOn(await w.deployment(d.id as string), 'edge').status, 'queued');

  // Back without a bootstrap token (it was spent): the stored credential is used.
  const again = await w.agent(edge, { stateDir, bootstrapToken: undefined });
  const loaded = await again.waitForLog((l) => l.msg === 'credential loaded', 'the stored credential');
  assert.equal(loaded.agentId, agentId);
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const row = await w.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id as string } });
  const started = (await w.auditTypes(row.id)).find((e) => e.type === 'target.started');
  assert.equal(started?.actorName, agentId);
});

test('offline: the control plane goes away; the agent backs off, reconnects, and takes the next job', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, { env: { TETHER_AGENT_HEALTH_PORT: '0' } });
  await agent.waitForLog((l) => l.msg === 'agent running', 'the agent running');
  const port = await agent.healthPort();

  await w.stopApi();
  const failures = () => agent.lines().filter((l) => l.msg === 'claim failed; backing off');
  await agent.waitForLog(
    (l) => l.msg === 'claim failed; backing off' && (l.failures as number) >= 4,
    '4 failures',
  );
  assert.deepEqual(
    failures()
      .slice(0, 4)
      .map((l) => l.failures),
    [1, 2, 3, 4],
  );
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, unknown>;
  assert.equal(health.connected, false);
  assert.equal(health.state, 'running', 'still alive: an outage is not a crash');

  await w.startApi();
  await agent.waitForLog((l) => l.msg === 'connected to the control plane', 'the reconnection');
  const d = await w.deploy('guestbook');
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(agent.child.exitCode, null, 'the agent kept running throughout');
});
