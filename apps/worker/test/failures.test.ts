import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { getDeployment } from '@tether/db';
import { createNamespace, testEnv, waitFor } from './helpers.ts';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const BROKEN_YAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: [unclosed
data:
  a: b
`;

test('a malformed manifest fails the target for good, naming the file; the cluster is untouched', async (t) => {
  const env = await testEnv(t);
  const { repo, url } = await env.createRepo(['guestbook']);
  await repo.write('guestbook/zz-broken.yaml', BROKEN_YAML);
  const sha = await repo.commit('break it');
  await env.addCluster('prod');
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
  assert.equal(target.status, 'failed');
  assert.equal(target.errorCode, 'invalid_manifest');
  assert.match(target.error ?? '', /guestbook\/zz-broken\.yaml/);
  assert.equal(target.attempts, 1);
  assert.deepEqual(target.objects, []);
  const kube = env.kube('prod');
  assert.deepEqual(await kube.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web' }), []);
  assert.deepEqual(await kube.list({ apiVersion: 'v1', kind: 'Service', namespace: 'web' }), []);
  assert.deepEqual(
    (await env.events(targetId)).map((e) => e.type),
    ['target.queued', 'target.started', 'target.failed'],
  );
  assert.equal((await getDeployment(env.db, deployment.id)).status, 'failed');
  const job = await waitFor('job failed', async () => {
    const j = await env.inspector.getJob('target-sync', targetId);
    return j?.state === 'failed' ? j : undefined;
  });
  // Not retried: one attempt at most (BullMQ may not count the attempt of a job it finished at once).
  assert.ok(job.attemptsMade <= 1, `attempts made: ${job.attemptsMade}`);
});

test('a path missing at the commit fails the target for good', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('prod');
  const appId = await env.createApp({
    name: 'ghost',
    repoUrl: url,
    path: 'not/here',
    clusters: ['prod'],
    namespace: 'web',
  });
  const deployment = await env.deploy(appId, sha);
  const targetId = deployment.targets[0]?.id;
  assert.ok(targetId);
  await env.startWorker('worker-a');

  const target = await env.waitForTarget(targetId);
  assert.equal(target.status, 'failed');
  assert.equal(target.errorCode, 'path_not_found');
  assert.match(target.error ?? '', /not\/here/);
  assert.equal(target.attempts, 1);
});

test('an unreachable cluster is retried with backoff, each retry audited, then fails with cluster_unreachable', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('gone', { server: `http://127.0.0.1:${await closedPort()}` });
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['gone'],
    namespace: 'web',
  });
  const deployment = await env.deploy(appId, sha);
  const targetId = deployment.targets[0]?.id;
  assert.ok(targetId);
  await env.startWorker('worker-a');

  const target = await env.waitForTarget(targetId);
  assert.equal(target.status, 'failed');
  assert.equal(target.errorCode, 'cluster_unreachable');
  // TEST_CATALOG: 3 attempts.
  assert.equal(target.attempts, 3);
  const events = await env.events(targetId);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'target.queued',
      'target.started',
      'target.retried',
      'target.started',
      'target.retried',
      'target.started',
      'target.failed',
    ],
  );
  const retries = events
    .filter((e) => e.type === 'target.retried')
    .map((e) => e.data as Record<string, unknown>);
  assert.deepEqual(
    retries.map((d) => [d.attempts, d.errorCode]),
    [
      [1, 'cluster_unreachable'],
      [2, 'cluster_unreachable'],
    ],
  );
  assert.equal((await getDeployment(env.db, deployment.id)).status, 'failed');
});

test('a field owned by another manager fails without retries and names the manager', async (t) => {
  const env = await testEnv(t);
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('prod');
  const kube = env.kube('prod');
  await createNamespace(kube, 'web');
  await kube.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'guestbook-ui', namespace: 'web' },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: 'guestbook-ui' } },
        template: {
          metadata: { labels: { app: 'guestbook-ui' } },
          spec: { containers: [{ name: 'guestbook-ui', image: 'gcr.io/google-samples/gb-frontend:v5' }] },
        },
      },
    },
    { fieldManager: 'hpa-controller' },
  );
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
  assert.equal(target.status, 'failed');
  assert.equal(target.errorCode, 'field_conflict');
  assert.match(target.error ?? '', /hpa-controller/);
  assert.equal(target.attempts, 1);
  const objects = target.objects as { kind: string; action: string; message?: string }[];
  assert.deepEqual(
    objects.map((o) => `${o.kind}:${o.action}`),
    ['Service:created', 'Deployment:failed'],
  );
  assert.match(objects[1]?.message ?? '', /hpa-controller/);
  assert.deepEqual(
    (await env.events(targetId)).map((e) => e.type),
    ['target.queued', 'target.started', 'target.failed'],
  );
  const job = await waitFor('job failed', async () => {
    const j = await env.inspector.getJob('target-sync', targetId);
    return j?.state === 'failed' ? j : undefined;
  });
  // Not retried: one attempt at most (BullMQ may not count the attempt of a job it finished at once).
  assert.ok(job.attemptsMade <= 1, `attempts made: ${job.attemptsMade}`);
});

test('a job whose target does not exist is dropped, not retried', async (t) => {
  const env = await testEnv(t);
  await env.startWorker('worker-a');
  const payload = {
    v: 1 as const,
    targetId: 'tgt_doesnotexist0000000000',
    deploymentId: 'dep_doesnotexist0000000000',
    applicationId: 'app_doesnotexist0000000000',
    clusterId: 'clu_doesnotexist0000000000',
    sha: 'c'.repeat(40),
  };
  await env.producer.enqueue('target.sync', payload, { lane: 'target-sync' });
  const job = await waitFor('job done', async () => {
    const j = await env.inspector.getJob('target-sync', payload.targetId);
    return j?.state === 'completed' || j?.state === 'failed' ? j : undefined;
  });
  assert.equal(job.state, 'completed');
  // Not retried: one attempt at most (BullMQ may not count the attempt of a job it finished at once).
  assert.ok(job.attemptsMade <= 1, `attempts made: ${job.attemptsMade}`);
  assert.deepEqual(job.returnValue, { skipped: 'target_not_found' });
  assert.deepEqual(await env.events(payload.targetId), []);
});
