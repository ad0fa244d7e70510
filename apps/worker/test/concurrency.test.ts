import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDeployment } from '@tether/db';
import { testEnv } from './helpers.ts';

test('many targets in parallel across two workers: each applied exactly once', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook', 'kustomize-guestbook']);
  const clusters = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
  for (const name of clusters) await env.addCluster(name);
  const plain = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters,
    namespace: 'web',
    createNamespace: true,
  });
  const kustomized = await env.createApp({
    name: 'kguestbook',
    repoUrl: url,
    path: 'kustomize-guestbook',
    clusters,
    namespace: 'kweb',
    createNamespace: true,
  });
  const deployments = [await env.deploy(plain, sha), await env.deploy(kustomized, sha)];
  const targets = deployments.flatMap((d) => d.targets);
  assert.equal(targets.length, 12);
  await Promise.all([
    env.startWorker('worker-a', { concurrency: 3 }),
    env.startWorker('worker-b', { concurrency: 3 }),
  ]);

  for (const target of targets) {
    const done = await env.waitForTarget(target.id);
    assert.equal(done.status, 'succeeded', done.error ?? undefined);
    assert.equal(done.attempts, 1);
    const objects = done.objects as { kind: string; action: string }[];
    assert.deepEqual(
      objects.map((o) => `${o.kind}:${o.action}`),
      ['Namespace:created', 'Service:created', 'Deployment:created'],
    );
    const types = (await env.events(target.id)).map((e) => e.type);
    assert.deepEqual(types, ['target.queued', 'target.started', 'target.succeeded']);
  }
  for (const d of deployments) assert.equal((await getDeployment(env.db, d.id)).status, 'succeeded');
  for (const name of clusters) {
    const kube = env.kube(name);
    for (const ns of ['web', 'kweb']) {
      const live = await kube.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns });
      assert.equal(live.length, 1, `${name}/${ns}`);
      // Created once and never rewritten with different content.
      assert.equal(live[0]?.metadata.generation, 1);
    }
  }
});
