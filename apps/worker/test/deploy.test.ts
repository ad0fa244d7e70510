import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDeployment, getDeployment, startTarget } from '@tether/db';
import { APPLICATION_LABEL, FIELD_MANAGER } from '@tether/kube';
import { createNamespace, testEnv, waitFor } from './helpers.ts';

test('guestbook over smart HTTP: applied, per-object results, audit trail, deployment succeeded', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook'], { http: true });
  const cluster = await env.addCluster('prod');
  await createNamespace(env.kube('prod'), 'web');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['prod'],
    namespace: 'web',
  });
  const deployment = await env.deploy(appId, sha);
  const targetId = deployment.targets[0]?.id;
  assert.ok(targetId);
  await env.startWorker('worker-a');

  const target = await env.waitForTarget(targetId);
  assert.equal(target.status, 'succeeded', target.error ?? undefined);
  assert.equal(target.attempts, 1);
  assert.equal(target.error, null);
  assert.deepEqual(target.objects, [
    { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui', action: 'created' },
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui', action: 'created' },
  ]);

  const kube = env.kube('prod');
  const live = await kube.get({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'guestbook-ui',
  });
  assert.ok(live, 'the Deployment is in the cluster');
  assert.equal(live.metadata.labels?.[APPLICATION_LABEL], 'guestbook');
  const managers = (live.metadata.managedFields as { manager: string; operation: string }[]).map(
    (m) => `${m.manager}:${m.operation}`,
  );
  assert.ok(managers.includes(`${FIELD_MANAGER}:Apply`), managers.join(' '));
  assert.ok(await kube.get({ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui' }));

  const events = await env.events(targetId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.succeeded'],
  );
  const started = events[1];
  assert.equal(started?.actorName, 'worker-a');
  assert.equal(started?.sha, sha);
  assert.equal(started?.clusterId, cluster.id);
  assert.equal((await getDeployment(env.db, deployment.id)).status, 'succeeded');
  assert.equal((await env.inspector.getJob('target-sync', targetId))?.state, 'completed');
});

test('sock-shop: all 29 objects applied, the namespace created for it', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['sock-shop']);
  await env.addCluster('shop');
  const appId = await env.createApp({
    name: 'sock-shop',
    repoUrl: url,
    path: 'sock-shop',
    clusters: ['shop'],
    namespace: 'sock-shop',
    createNamespace: true,
  });
  const deployment = await env.deploy(appId, sha);
  const targetId = deployment.targets[0]?.id;
  assert.ok(targetId);
  await env.startWorker('worker-a');

  const target = await env.waitForTarget(targetId);
  assert.equal(target.status, 'succeeded', target.error ?? undefined);
  const objects = target.objects as { kind: string; action: string }[];
  assert.equal(objects.length, 30);
  assert.deepEqual(objects[0], {
    apiVersion: 'v1',
    kind: 'Namespace',
    namespace: null,
    name: 'sock-shop',
    action: 'created',
  });
  assert.ok(objects.every((o) => o.action === 'created'));
  const kube = env.kube('shop');
  const deployments = await kube.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'sock-shop' });
  const services = await kube.list({ apiVersion: 'v1', kind: 'Service', namespace: 'sock-shop' });
  assert.equal(deployments.length, 14);
  assert.equal(services.length, 14);
  assert.equal(objects.filter((o) => o.kind === 'Ingress').length, 1);
});

test('a redelivered job for a succeeded target applies nothing again', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('prod');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['prod'],
    namespace: 'web',
    createNamespace: true,
  });
  const deployment = await env.deploy(appId, sha);
  const target = deployment.targets[0];
  assert.ok(target);
  await env.startWorker('worker-a');
  assert.equal((await env.waitForTarget(target.id)).status, 'succeeded');
  const kube = env.kube('prod');
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };
  const before = await kube.get(ref);
  const eventsBefore = await env.events(target.id);

  // The same job again (as after a lost acknowledgement): the finished one must go first.
  assert.equal(await env.jobs.remove(target.id), true);
  await env.enqueue(deployment, target);
  const job = await waitFor('redelivered job done', async () => {
    const j = await env.inspector.getJob('target-sync', target.id);
    return j?.state === 'completed' ? j : undefined;
  });
  assert.deepEqual(job.returnValue, { skipped: 'terminal', status: 'succeeded' });
  const after = await kube.get(ref);
  assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
  assert.deepEqual(await env.events(target.id), eventsBefore);
  const again = await env.waitForTarget(target.id);
  assert.equal(again.attempts, 1);
});

test('a running target whose worker died is taken over when its job comes back', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('prod');
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['prod'],
    namespace: 'web',
    createNamespace: true,
  });
  const deployment = await createDeployment(
    env.db,
    { applicationId: appId, revision: 'main', sha, trigger: 'api' },
    {
      actor: { type: 'token', name: 'test' },
    },
  );
  const target = deployment.targets[0];
  assert.ok(target);
  await startTarget(
    env.db,
    target.id,
    { actor: { type: 'worker', name: 'dead-worker' } },
    { leaseOwner: 'dead-worker' },
  );
  await env.enqueue(deployment, target);
  await env.startWorker('worker-a');

  const done = await env.waitForTarget(target.id);
  assert.equal(done.status, 'succeeded', done.error ?? undefined);
  assert.equal(done.attempts, 2);
  const events = await env.events(target.id);
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.actorName}`),
    [
      'target.queued:test',
      'target.started:dead-worker',
      'target.requeued:worker-a',
      'target.started:worker-a',
      'target.succeeded:worker-a',
    ],
  );
  assert.equal((events[2]?.data as { reason?: string } | undefined)?.reason, 'redelivered');
});
