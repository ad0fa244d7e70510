import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '@tether/manifests';
import {
  applyBundle,
  assessHealth,
  type HealthStatus,
  type KubeClient,
  type ObjectRef,
  waitHealthy,
} from '../src/index.ts';
import { corpusApp, createNamespace, logger, withSim } from './helpers.ts';

function deployment(name: string, image: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...spec,
    },
  };
}

function job(name: string, image: string): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 1,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } },
    },
  };
}

async function apply(client: KubeClient, objects: KubeObject[]) {
  const res = await applyBundle({
    client,
    objects,
    application: 'shop',
    destinationNamespace: 'shop',
    logger,
  });
  assert.equal(res.ok, true, res.error?.message);
  return res.results;
}

test('guestbook becomes healthy', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ client }) => {
      await createNamespace(client, 'shop');
      const res = await applyBundle({
        client,
        objects: await app.render(),
        application: 'guestbook',
        destinationNamespace: 'shop',
        logger,
      });
      assert.equal(res.ok, true, res.error?.message);
      const health = await waitHealthy({ client, objects: res.results, timeoutMs: 30_000, pollMs: 20 });
      assert.equal(health.error, undefined);
      assert.equal(health.healthy, true);
      assert.deepEqual(
        health.objects.map((h) => `${h.ref.kind}/${h.ref.name}:${h.status}`),
        ['Service/guestbook-ui:healthy', 'Deployment/guestbook-ui:healthy'],
      );
    });
  } finally {
    await app.remove();
  }
});

test('with a ready delay the wait sees the rollout progressing, then healthy', async () => {
  await withSim(
    async ({ client }) => {
      await createNamespace(client, 'shop');
      const results = await apply(client, [deployment('web', 'nginx:1.27')]);
      const seen: HealthStatus[] = [];
      const health = await waitHealthy({
        client,
        objects: results,
        timeoutMs: 30_000,
        pollMs: 20,
        onPoll: (objects) => {
          const s = objects[0]?.status;
          if (s && seen.at(-1) !== s) seen.push(s);
        },
      });
      assert.equal(health.healthy, true, health.error?.message);
      assert.deepEqual(seen, ['progressing', 'healthy']);
    },
    { readyDelayMs: 1500 },
  );
});

test('an image that never becomes ready with a short progress deadline: health_degraded, ProgressDeadlineExceeded', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const results = await apply(client, [
      deployment('ok', 'nginx:1.27'),
      deployment('broken', 'nginx:fail', { progressDeadlineSeconds: 1 }),
    ]);
    const health = await waitHealthy({ client, objects: results, timeoutMs: 60_000, pollMs: 50 });
    assert.equal(health.healthy, false);
    const err = health.error;
    assert.equal(err?.code, 'health_degraded');
    assert.equal(err?.transient, false);
    assert.equal(err?.message, 'Deployment shop/broken: ProgressDeadlineExceeded');
    const broken = health.objects.find((h) => h.ref.name === 'broken');
    assert.equal(broken?.status, 'degraded');
    assert.equal(broken?.reason, 'ProgressDeadlineExceeded');
    assert.match(broken?.message ?? '', /timed out progressing/);
  });
});

test('a rollout that does not finish in time: health_timeout naming the object and why', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    // The default progress deadline (600 s) is far beyond the wait.
    const results = await apply(client, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: {} },
      deployment('slow', 'nginx:fail'),
    ]);
    const health = await waitHealthy({ client, objects: results, timeoutMs: 300, pollMs: 20 });
    assert.equal(health.healthy, false);
    assert.equal(health.error?.code, 'health_timeout');
    assert.equal(health.error?.transient, true);
    assert.match(health.error?.message ?? '', /not healthy after 300 ms: Deployment shop\/slow: .*of 2/);
    assert.doesNotMatch(health.error?.message ?? '', /ConfigMap/);
    assert.deepEqual(
      health.objects.map((h) => h.status),
      ['healthy', 'progressing'],
    );
  });
});

test('Jobs: complete is healthy, failed is degraded', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const done = await waitHealthy({
      client,
      objects: await apply(client, [job('migrate', 'busybox:1.36')]),
      timeoutMs: 30_000,
      pollMs: 20,
    });
    assert.equal(done.healthy, true, done.error?.message);
    const failed = await waitHealthy({
      client,
      objects: await apply(client, [job('broken', 'busybox:fail')]),
      timeoutMs: 30_000,
      pollMs: 20,
    });
    assert.equal(failed.error?.code, 'health_degraded');
    assert.equal(failed.error?.message, 'Job shop/broken: BackoffLimitExceeded');
  });
});

test('StatefulSets, DaemonSets and ReplicaSets roll out to healthy; failed and pruned results are not waited for', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const template = (app: string) => ({
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    });
    const results = await apply(client, [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: { replicas: 2, serviceName: 'db', ...template('db') },
      },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: template('agent') },
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs' },
        spec: { replicas: 3, ...template('rs') },
      },
    ]);
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'ghost' };
    const health = await waitHealthy({
      client,
      objects: [...results, { ...ghost, action: 'failed' }, { ...ghost, action: 'pruned' }],
      timeoutMs: 30_000,
      pollMs: 20,
    });
    assert.equal(health.healthy, true, health.error?.message);
    assert.deepEqual(
      health.objects.map((h) => h.ref.kind),
      ['StatefulSet', 'DaemonSet', 'ReplicaSet'],
    );
  });
});

test('cancellation ends the wait with cancelled', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const results = await apply(client, [deployment('slow', 'nginx:fail')]);
    const controller = new AbortController();
    const health = await waitHealthy({
      client,
      objects: results,
      timeoutMs: 60_000,
      pollMs: 20,
      signal: controller.signal,
      onPoll: () => controller.abort(),
    });
    assert.equal(health.healthy, false);
    assert.equal(health.error?.code, 'cancelled');
    const refs: ObjectRef[] = health.objects.map((h) => h.ref);
    assert.deepEqual(refs, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'slow' }]);
  });
});

test('assessHealth reads status the way kubectl rollout status does', () => {
  const d = (status: Record<string, unknown>, generation = 2): KubeObject => ({
    ...deployment('d', 'nginx'),
    metadata: { name: 'd', namespace: 'shop', generation },
    status,
  });
  assert.deepEqual(assessHealth(d({ observedGeneration: 1 })), {
    status: 'progressing',
    reason: 'waiting for the controller to observe generation 2',
  });
  assert.equal(
    assessHealth(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).reason,
    '1 old replicas pending termination',
  );
  assert.equal(
    assessHealth(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).status,
    'healthy',
  );
  assert.equal(
    assessHealth({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's', generation: 1 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 1,
        readyReplicas: 1,
        updatedReplicas: 1,
        currentRevision: 's-1',
        updateRevision: 's-2',
      },
    }).reason,
    'rolling out revision s-2',
  );
  assert.equal(
    assessHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).status,
    'healthy',
  );
});
