// A bundle whose bytes or signature were changed after the control plane signed it (here: in its
// PostgreSQL store) is refused before anything is applied; the target fails with bundle_rejected.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { startWorld, targetOn } from './helpers.ts';

test('tamper: changed bundle bytes or a foreign signature are refused; nothing is applied', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, { env: { TETHER_AGENT_HEALTH_PORT: '0' } });
  const first = await w.deploy('guestbook');
  assert.equal((await w.settled(first.id as string)).status, 'succeeded');
  const row = await w.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: first.id as string } });
  assert.ok(row.bundleDigest);
  const stored = await w.db.bundle.findUniqueOrThrow({ where: { digest: row.bundleDigest } });

  // 1. Someone with write access to the store slips an object in and scales the app up.
  const doc = JSON.parse(Buffer.from(stored.content).toString('utf8')) as {
    objects: Record<string, unknown>[];
  };
  doc.objects.unshift({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'injected' },
    data: { x: '1' },
  });
  const tampered = Buffer.from(JSON.stringify(doc).replace('"replicas":1', '"replicas":9'));
  await w.db.bundle.update({ where: { digest: stored.digest }, data: { content: tampered } });
  const second = await w.settled((await w.deploy('guestbook')).id as string);
  assert.equal(second.status, 'failed', JSON.stringify(second));
  const t2 = targetOn(second, 'edge');
  assert.equal(t2.errorCode, 'bundle_rejected');
  assert.match(t2.error as string, /digest check failed/);
  assert.equal(t2.attempts, 1, 'refused for good, not retried');
  assert.deepEqual(t2.objects, [], 'nothing applied');
  const kube = w.kube('edge');
  assert.equal(
    await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'injected' }),
    undefined,
  );
  const live = await kube.get({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'guestbook-ui',
  });
  assert.equal((live?.spec as { replicas?: number } | undefined)?.replicas, 1);

  // 2. The bytes are back, but signed by a key that is not the pinned one.
  const intruder = generateKeyPairSync('ed25519');
  await w.db.bundle.update({
    where: { digest: stored.digest },
    data: {
      content: stored.content,
      signature: sign(null, stored.content, intruder.privateKey).toString('base64'),
    },
  });
  const third = await w.settled((await w.deploy('guestbook')).id as string);
  assert.equal(third.status, 'failed', JSON.stringify(third));
  const t3 = targetOn(third, 'edge');
  assert.equal(t3.errorCode, 'bundle_rejected');
  assert.match(t3.error as string, /signature check failed/);

  const metrics = await (await fetch(`http://127.0.0.1:${await agent.healthPort()}/metrics`)).text();
  assert.match(metrics, /^tether_agent_errors_total\{kind="bundle_rejected"\} 2$/m);
  assert.match(metrics, /^tether_agent_results_total\{status="failed"\} 2$/m);

  // 3. Restored: the agent applies again.
  await w.db.bundle.update({ where: { digest: stored.digest }, data: { signature: stored.signature } });
  assert.equal((await w.settled((await w.deploy('guestbook')).id as string)).status, 'succeeded');
});
