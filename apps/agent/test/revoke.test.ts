// Credentials: a revoked agent is refused and stops (exit 3), also after a restart; a new
// bootstrap token brings the cluster back. A spent token and a wrongly pinned key are refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startWorld, targetOn } from './helpers.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tether-agent-revoke-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('revoke: a revoked agent is refused, stops, stays refused; a new bootstrap token restores service', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const stateDir = await tempDir(t);
  const agent = await w.agent(edge, { stateDir });
  const { agentId } = await agent.waitForLog((l) => l.msg === 'agent running', 'the agent running');

  const listed = await w.api('GET', '/clusters/edge');
  assert.deepEqual(
    (listed.body.agents as { id: string }[]).map((a) => a.id),
    [agentId],
  );
  const revoked = await w.api('DELETE', `/clusters/edge/agents/${agentId}`);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  // Its waiting claim is refused: it stops with exit code 3.
  assert.equal(await agent.exited, 3, agent.output());
  assert.match(agent.output(), /refused our credential \(revoked\?\)/);

  const d = await w.deploy('guestbook');
  const restarted = await w.agent(edge, { stateDir, bootstrapToken: undefined });
  assert.equal(await restarted.exited, 3, 'the stored credential stays refused');
  assert.equal(targetOn(await w.deployment(d.id as string), 'edge').status, 'queued', 'nothing taken');

  const fresh = await w.agent(edge, { stateDir, bootstrapToken: await w.bootstrapToken('edge') });
  const reg = await fresh.waitForLog((l) => l.msg === 'registered; credential stored', 're-registration');
  assert.notEqual(reg.agentId, agentId);
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
});

test('revoke: a spent bootstrap token and a signing key other than the configured one are refused', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  const first = await w.agent(edge);
  await first.waitForLog((l) => l.msg === 'agent running', 'the first agent');

  // The token is spent: a second agent (no stored credential) cannot use it.
  const spent = await w.agent(edge);
  assert.equal(await spent.exited, 3, spent.output());
  assert.match(spent.output(), /bootstrap token was refused/);

  // Pinned by config to another key: the control plane's key is refused and nothing is stored.
  const stateDir = await tempDir(t);
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pinned = await w.agent(edge, {
    stateDir,
    bootstrapToken: await w.bootstrapToken('edge'),
    env: { TETHER_SIGNING_PUBLIC_KEY: other },
  });
  assert.equal(await pinned.exited, 1, pinned.output());
  assert.match(pinned.output(), /signing key other than the pinned one/);
  assert.deepEqual(await readdir(stateDir), []);

  // Pinned by config to the right key: accepted.
  const right = await w.agent(edge, {
    bootstrapToken: await w.bootstrapToken('edge'),
    env: { TETHER_SIGNING_PUBLIC_KEY: w.publicKeyPem },
  });
  await right.waitForLog((l) => l.msg === 'agent running', 'the agent with the configured key');
});
