import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '@tether/core';
import { connectCluster } from '@tether/kube';
import { startSim } from '@tether/testing/kube-sim';
import { type AgentState, fileStore, SECRET_NAME, secretStore, tokenHash } from '../src/credentials.ts';

const STATE: AgentState = {
  agentId: 'agent_01',
  clusterId: 'cluster_01',
  cluster: 'edge',
  credential: 'tether_agent_secret',
  signingPublicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
  url: 'https://tether.example.com',
  bootstrapTokenHash: tokenHash('tether_boot_x'),
  registeredAt: '2030-01-01T00:00:00.000Z',
};

test('file store: round trip in a 0600 file inside a 0700 directory', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'tether-agent-cred-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const dir = join(parent, 'state');
  const store = fileStore(dir);
  assert.equal(await store.load(), undefined, 'nothing stored yet');
  const umask = process.umask(0o000); // Even with a permissive umask.
  try {
    await store.save(STATE);
  } finally {
    process.umask(umask);
  }
  const file = join(dir, 'credential.json');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await fileStore(dir).load(), STATE, 'read back by a new store (a restart)');
  await store.save({ ...STATE, credential: 'tether_agent_other' });
  assert.equal((await store.load())?.credential, 'tether_agent_other');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.match(await readFile(file, 'utf8'), /"agentId": "agent_01"/);

  await chmod(file, 0o644);
  await store.load();
  assert.equal((await stat(file)).mode & 0o777, 0o600, 'a loosened file is tightened');

  await store.clear();
  assert.equal(await store.load(), undefined);
});

test('file store: a damaged file is an error, not a silent re-registration', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tether-agent-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'credential.json'), JSON.stringify({ agentId: 'a' }), { mode: 0o600 });
  await assert.rejects(fileStore(dir).load(), /has no clusterId/);
});

test('secret store: round trip through a Secret in the agent namespace', async (t) => {
  const sim = await startSim({ tls: true });
  t.after(() => sim.close());
  const logger = silentLogger();
  const connect = () => connectCluster({ kubeconfigPath: sim.kubeconfigPath }, { logger, timeoutMs: 5_000 });
  const admin = connect();
  t.after(() => admin.close());
  await admin.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tether-system' } },
    { fieldManager: 'test' },
  );
  const store = secretStore(connect, 'tether-system');
  assert.equal(store.location, `secret tether-system/${SECRET_NAME}`);
  assert.equal(await store.load(), undefined);
  await store.save(STATE);
  const secret = await admin.get({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: 'tether-system',
    name: SECRET_NAME,
  });
  assert.ok(secret);
  const data = secret.data as Record<string, string>;
  assert.equal(Buffer.from(data.credential ?? '', 'base64').toString(), STATE.credential);
  assert.deepEqual(await secretStore(connect, 'tether-system').load(), STATE);
  await store.save({ ...STATE, agentId: 'agent_02' });
  assert.equal((await store.load())?.agentId, 'agent_02');
  await store.clear();
  assert.equal(await store.load(), undefined);
});
