// The deployment lifecycle on a pull cluster: the same semantics as the push path (prune by
// inventory, latest wins, health), executed by a real agent process.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { CORPUS, startWorld, targetOn } from './helpers.ts';

const EXTRA = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n';

test("pull: prune removes a deleted manifest's object and nothing else", async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.repo.write('guestbook/extra.yaml', EXTRA);
  await w.repo.commit('extra config map');
  await w.createApp({
    name: 'guestbook',
    path: 'guestbook',
    clusters: ['edge'],
    namespace: 'web',
    createNamespace: true,
  });
  assert.equal(
    (await w.api('PATCH', '/applications/guestbook', { syncPolicy: { prune: true } })).status,
    200,
  );
  await w.agent(edge);
  const first = await w.settled((await w.deploy('guestbook')).id as string);
  assert.equal(first.status, 'succeeded', JSON.stringify(first));
  const kube = w.kube('edge');
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'hand-made', namespace: 'web' },
      data: { x: 'y' },
    },
    { fieldManager: 'kubectl' },
  );
  await w.repo.remove('guestbook/extra.yaml');
  await w.repo.commit('drop it');
  const second = await w.settled((await w.deploy('guestbook')).id as string);
  assert.equal(second.status, 'succeeded', JSON.stringify(second));
  const actions = (targetOn(second, 'edge').objects as { kind: string; name: string; action: string }[]).map(
    (o) => `${o.kind}/${o.name}:${o.action}`,
  );
  assert.ok(actions.includes('ConfigMap/extra:pruned'), actions.join(' '));
  assert.equal(
    await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'extra' }),
    undefined,
  );
  assert.ok(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'hand-made' }));
});

test('pull: several deployments waiting for an offline agent: only the newest is applied', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({
    name: 'guestbook',
    path: 'guestbook',
    clusters: ['edge'],
    namespace: 'web',
    createNamespace: true,
  });
  const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) {
    await w.repo.write(
      'guestbook/guestbook-ui-deployment.yaml',
      manifest.replace('replicas: 1', `replicas: ${i}`),
    );
    await w.repo.commit(`replicas ${i}`);
    ids.push((await w.deploy('guestbook')).id as string);
  }
  await w.agent(edge);
  const final = await Promise.all(ids.map((id) => w.settled(id)));
  assert.deepEqual(
    final.map((d) => d.status),
    ['superseded', 'superseded', 'superseded', 'superseded', 'succeeded'],
  );
  const live = await w
    .kube('edge')
    .get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' });
  assert.equal((live?.spec as { replicas: number } | undefined)?.replicas, 5);
});

test('pull: an image that never becomes ready fails the target with the reason', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
  await w.repo.write(
    'broken/deployment.yaml',
    manifest
      .replace('gb-frontend:v5', 'gb-frontend:fail')
      .replace('replicas: 1', 'replicas: 1\n  progressDeadlineSeconds: 1'),
  );
  await w.repo.commit('never ready');
  await w.createApp({
    name: 'broken',
    path: 'broken',
    clusters: ['edge'],
    namespace: 'web',
    createNamespace: true,
  });
  await w.agent(edge);
  const done = await w.settled((await w.deploy('broken')).id as string);
  assert.equal(done.status, 'failed', JSON.stringify(done));
  const target = targetOn(done, 'edge');
  assert.equal(target.errorCode, 'health_degraded');
  assert.match(target.error as string, /ProgressDeadlineExceeded/);
});
