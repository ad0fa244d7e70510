import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '@tether/manifests';
import { applyBundle, detectDrift, diffBundle, inventoryOf, type ObjectDiff } from '../src/index.ts';
import { corpusApp, createNamespace, logger, withSim, writeAs } from './helpers.ts';

const cm = (name: string, data: Record<string, string> = { k: name }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'guestbook-ui' };
const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/shop/deployments/guestbook-ui';

function summary(objects: ObjectDiff[]): string[] {
  return objects.map((d) => `${d.action} ${d.ref.kind}/${d.ref.name}`);
}

test('diff on guestbook: create, change with the fields, unchanged and prune; nothing is written', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ client }) => {
      await createNamespace(client, 'shop');
      const base = { client, application: 'guestbook', destinationNamespace: 'shop' };
      const first = await applyBundle({
        ...base,
        objects: [...(await app.render()), cm('settings'), cm('tuning', { level: '1' })],
        logger,
      });
      assert.equal(first.ok, true, first.error?.message);

      const file = join(app.dir, 'guestbook/guestbook-ui-deployment.yaml');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace('replicas: 1', 'replicas: 3').replace(':v5', ':v6'),
      );
      const next = [...(await app.render()), cm('tuning', { level: '2' }), cm('fresh')];
      const before = await client.get(deploymentRef);
      const diff = await diffBundle({ ...base, objects: next, inventory: inventoryOf(first.results) });
      assert.deepEqual(summary(diff.objects), [
        'change ConfigMap/tuning',
        'create ConfigMap/fresh',
        'unchanged Service/guestbook-ui',
        'change Deployment/guestbook-ui',
        'prune ConfigMap/settings',
      ]);
      const byName = new Map(diff.objects.map((d) => [`${d.ref.kind}/${d.ref.name}`, d]));
      assert.deepEqual(byName.get('Deployment/guestbook-ui')?.changes, [
        { path: 'spec.replicas', from: 1, to: 3 },
        {
          path: 'spec.template.spec.containers[0].image',
          from: 'gcr.io/google-samples/gb-frontend:v5',
          to: 'gcr.io/google-samples/gb-frontend:v6',
        },
      ]);
      assert.deepEqual(byName.get('ConfigMap/tuning')?.changes, [{ path: 'data.level', from: '1', to: '2' }]);
      assert.equal(byName.get('ConfigMap/fresh')?.changes, undefined);
      assert.equal(byName.get('Service/guestbook-ui')?.changes, undefined);
      assert.match(byName.get('ConfigMap/settings')?.reason ?? '', /no longer rendered/);
      assert.equal(
        byName.get('Deployment/guestbook-ui')?.source?.file,
        'guestbook/guestbook-ui-deployment.yaml',
      );
      assert.deepEqual(diff.skipped, []);

      // A dry run: the cluster is as it was.
      const after = await client.get(deploymentRef);
      assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
      assert.equal(
        await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'fresh' }),
        undefined,
      );
      const noPrune = await diffBundle({ ...base, objects: next, prune: false });
      assert.equal(
        noPrune.objects.some((d) => d.action === 'prune'),
        false,
      );
    });
  } finally {
    await app.remove();
  }
});

test('diff into a namespace that does not exist yet: everything is created', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ client }) => {
      const diff = await diffBundle({
        client,
        objects: await app.render(),
        application: 'guestbook',
        destinationNamespace: 'nowhere',
      });
      assert.deepEqual(summary(diff.objects), [
        'create Service/guestbook-ui',
        'create Deployment/guestbook-ui',
      ]);
      assert.equal(diff.objects[0]?.ref.namespace, 'nowhere');
      // Other problems still refuse the bundle.
      await assert.rejects(
        diffBundle({
          client,
          objects: [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }],
          application: 'guestbook',
          destinationNamespace: 'nowhere',
        }),
        { code: 'unknown_kind' },
      );
    });
  } finally {
    await app.remove();
  }
});

test('drift: a `kubectl scale`-like merge patch by another manager shows as drift of spec.replicas', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ sim, client }) => {
      await createNamespace(client, 'shop');
      const objects = await app.render();
      const input = { client, objects, application: 'guestbook', destinationNamespace: 'shop' };
      const res = await applyBundle({ ...input, logger });
      assert.equal(res.ok, true, res.error?.message);
      assert.deepEqual(await detectDrift(input), { drifted: [], missing: [], checked: 2 });

      await writeAs(sim, 'PATCH', DEPLOYMENT_PATH, { spec: { replicas: 5 } }, 'kubectl');
      // Fields Tether does not set are nobody's drift.
      await writeAs(
        sim,
        'PATCH',
        DEPLOYMENT_PATH,
        { metadata: { annotations: { note: 'hi' } } },
        'kubectl-annotate',
      );
      const drift = await detectDrift(input);
      assert.equal(drift.checked, 2);
      assert.deepEqual(drift.missing, []);
      assert.equal(drift.drifted.length, 1);
      assert.deepEqual(drift.drifted[0]?.ref, deploymentRef);
      assert.deepEqual(drift.drifted[0]?.changes, [{ path: 'spec.replicas', from: 5, to: 1 }]);
      assert.deepEqual(
        drift.drifted[0]?.conflicts?.map((c) => [c.manager, c.field]),
        [['kubectl', '.spec.replicas']],
      );
      const live = await client.get(deploymentRef);
      assert.equal(
        (live?.spec as { replicas?: number } | undefined)?.replicas,
        5,
        'detecting drift changes nothing',
      );

      // The diff shows the same change, flagged as a conflict a plain apply would hit.
      const diff = await diffBundle(input);
      const dep = diff.objects.find((d) => d.ref.kind === 'Deployment');
      assert.equal(dep?.action, 'change');
      assert.deepEqual(dep?.changes, [{ path: 'spec.replicas', from: 5, to: 1 }]);
      assert.equal(dep?.conflicts?.[0]?.manager, 'kubectl');

      // Set back to Tether's value by the other manager: shared, no drift.
      await writeAs(sim, 'PATCH', DEPLOYMENT_PATH, { spec: { replicas: 1 } }, 'kubectl');
      assert.deepEqual((await detectDrift(input)).drifted, []);

      // Deleted behind Tether's back: missing, not drifted.
      await client.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'guestbook-ui' });
      const gone = await detectDrift(input);
      assert.deepEqual(
        gone.missing.map((r) => `${r.kind}/${r.name}`),
        ['Service/guestbook-ui'],
      );
      assert.equal(gone.checked, 1);
    });
  } finally {
    await app.remove();
  }
});

test('drift in labels and data: a removed ownership label and an edited value', async () => {
  await withSim(async ({ sim, client }) => {
    await createNamespace(client, 'shop');
    const input = {
      client,
      objects: [cm('cfg', { a: '1' })],
      application: 'shop',
      destinationNamespace: 'shop',
    };
    assert.equal((await applyBundle({ ...input, logger })).ok, true);
    await writeAs(
      sim,
      'PATCH',
      '/api/v1/namespaces/shop/configmaps/cfg',
      { metadata: { labels: { 'tether.dev/application': null } }, data: { a: '2' } },
      'kubectl-edit',
    );
    const drift = await detectDrift(input);
    assert.deepEqual(drift.drifted[0]?.changes, [
      { path: 'data.a', from: '2', to: '1' },
      { path: 'metadata.labels["tether.dev/application"]', to: 'shop' },
    ]);
  });
});

test('diff and drift are cancelled by the signal', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const controller = new AbortController();
    controller.abort();
    const input = {
      client,
      objects: [cm('a')],
      application: 'shop',
      destinationNamespace: 'shop',
      signal: controller.signal,
    };
    await assert.rejects(diffBundle(input), { code: 'cancelled' });
    await assert.rejects(detectDrift(input), { code: 'cancelled' });
  });
});
