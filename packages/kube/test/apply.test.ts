import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject, RenderedObject } from '@tether/manifests';
import {
  APPLICATION_LABEL,
  type ApplyBundleOptions,
  applyBundle,
  inventoryOf,
  type KubeClient,
  MANAGED_BY_LABEL,
  ownershipSelector,
  refOf,
} from '../src/index.ts';
import { corpusApp, createNamespace, logger, withSim } from './helpers.ts';

function bundle(
  client: KubeClient,
  objects: ApplyBundleOptions['objects'],
  extra: Partial<ApplyBundleOptions> = {},
) {
  return applyBundle({
    client,
    objects,
    application: 'shop',
    destinationNamespace: 'shop',
    logger,
    ...extra,
  });
}

function actions(results: Array<{ kind: string; name: string; action: string }>): string[] {
  return results.map((r) => `${r.kind}/${r.name}:${r.action}`);
}

function managers(obj: KubeObject | undefined): Array<{ manager?: string; operation?: string }> {
  return (obj?.metadata.managedFields ?? []) as Array<{ manager?: string; operation?: string }>;
}

async function assertApplied(client: KubeClient, objects: RenderedObject[], namespace: string, app: string) {
  for (const { manifest } of objects) {
    const live = await client.get({ ...refOf(manifest), namespace });
    assert.ok(live, `${manifest.kind}/${manifest.metadata.name} exists`);
    assert.equal(live.metadata.namespace, namespace);
    assert.equal(live.metadata.labels?.[MANAGED_BY_LABEL], 'tether');
    assert.equal(live.metadata.labels?.[APPLICATION_LABEL], app);
    for (const [k, v] of Object.entries(manifest.metadata.labels ?? {}))
      assert.equal(live.metadata.labels?.[k], v);
    assert.ok(
      managers(live).some((m) => m.manager === 'tether' && m.operation === 'Apply'),
      `${manifest.kind}/${manifest.metadata.name} managed by tether: ${JSON.stringify(managers(live))}`,
    );
  }
}

test('guestbook: created with labels and field manager, then unchanged; inputs untouched', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ client }) => {
      await createNamespace(client, 'shop');
      const objects = await app.render();
      const snapshot = structuredClone(objects);
      const first = await bundle(client, objects);
      assert.equal(first.error, undefined);
      assert.equal(first.ok, true);
      assert.deepEqual(actions(first.results), [
        'Service/guestbook-ui:created',
        'Deployment/guestbook-ui:created',
      ]);
      assert.deepEqual(first.notAttempted, []);
      assert.deepEqual(objects, snapshot, 'the rendered objects are not mutated');
      await assertApplied(client, objects, 'shop', 'shop');
      assert.deepEqual(
        inventoryOf(first.results).map((e) => e.key),
        ['/Service/shop/guestbook-ui', 'apps/Deployment/shop/guestbook-ui'],
      );

      const again = await bundle(client, await app.render());
      assert.equal(again.ok, true);
      assert.deepEqual(actions(again.results), [
        'Service/guestbook-ui:unchanged',
        'Deployment/guestbook-ui:unchanged',
      ]);
    });
  } finally {
    await app.remove();
  }
});

test('sock-shop: 29 objects created in apply order, re-apply unchanged, one replica change configures one', async () => {
  const app = await corpusApp('sock-shop');
  try {
    await withSim(async ({ client }) => {
      await createNamespace(client, 'sock');
      const objects = await app.render();
      assert.equal(objects.length, 29);
      const progress: string[] = [];
      const first = await bundle(client, objects, {
        destinationNamespace: 'sock',
        application: 'sock-shop',
        onProgress: (p) => progress.push(`${p.index + 1}/${p.total} ${p.result.kind}/${p.result.name}`),
      });
      assert.equal(first.ok, true, first.error?.message);
      assert.equal(first.results.length, 29);
      assert.ok(first.results.every((r) => r.action === 'created'));
      assert.equal(progress.length, 29);
      assert.equal(progress[28], `29/29 ${first.results[28]?.kind}/${first.results[28]?.name}`);
      // Services before Deployments before the Ingress.
      const kinds = first.results.map((r) => r.kind);
      assert.ok(kinds.lastIndexOf('Service') < kinds.indexOf('Deployment'));
      assert.equal(kinds.at(-1), 'Ingress');
      assert.equal(first.results[0]?.source?.file.startsWith('sock-shop/base/'), true);
      await assertApplied(client, objects, 'sock', 'sock-shop');
      const owned = await client.list({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'sock',
        labelSelector: ownershipSelector('sock-shop'),
      });
      assert.equal(owned.length, 14);

      const again = await bundle(client, await app.render(), {
        destinationNamespace: 'sock',
        application: 'sock-shop',
      });
      assert.equal(again.ok, true);
      assert.ok(
        again.results.every((r) => r.action === 'unchanged'),
        actions(again.results).join(' '),
      );

      const file = join(app.dir, 'sock-shop/base/carts-dep.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('replicas: 1', 'replicas: 3'));
      const changed = await bundle(client, await app.render(), {
        destinationNamespace: 'sock',
        application: 'sock-shop',
      });
      assert.equal(changed.ok, true);
      assert.deepEqual(
        changed.results.filter((r) => r.action !== 'unchanged').map((r) => `${r.kind}/${r.name}:${r.action}`),
        ['Deployment/carts:configured'],
      );
      const carts = await client.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'sock',
        name: 'carts',
      });
      assert.equal((carts?.spec as { replicas?: number } | undefined)?.replicas, 3);
    });
  } finally {
    await app.remove();
  }
});

const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { k: name },
  ...extra,
});

test('an object of a kind the cluster does not serve: nothing applied, the error names it', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } };
    const res = await bundle(client, [cm('a'), widget, cm('b')]);
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'unknown_kind');
    assert.equal(res.error?.transient, false);
    assert.match(res.error?.message ?? '', /nothing applied/);
    assert.match(res.error?.message ?? '', /Widget w1/);
    assert.match(res.error?.message ?? '', /example\.com\/v1/);
    assert.deepEqual(res.results, []);
    assert.equal(res.notAttempted.length, 2);
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' }),
      undefined,
    );
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'b' }),
      undefined,
    );
  });
});

test('validation: a missing namespace, duplicates and shapeless objects are refused before any apply', async () => {
  await withSim(async ({ client }) => {
    const missing = await bundle(client, [cm('a')], { destinationNamespace: 'nowhere' });
    assert.equal(missing.error?.code, 'not_found');
    assert.match(missing.error?.message ?? '', /namespace "nowhere" does not exist/);

    await createNamespace(client, 'shop');
    // The second names the destination namespace explicitly: the same object after defaulting.
    const dup = await bundle(client, [cm('a'), cm('a', { metadata: { name: 'a', namespace: 'shop' } })]);
    assert.equal(dup.error?.code, 'invalid_object');
    assert.match(dup.error?.message ?? '', /same object/);

    const nameless = await bundle(client, [
      cm('ok'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as KubeObject,
    ]);
    assert.equal(nameless.error?.code, 'invalid_object');
    assert.match(nameless.error?.message ?? '', /no metadata\.name/);
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'ok' }),
      undefined,
    );

    // A namespace created by the bundle itself counts.
    const withNs = await bundle(
      client,
      [cm('a'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } }],
      {
        destinationNamespace: 'fresh',
      },
    );
    assert.equal(withNs.ok, true, withNs.error?.message);
    assert.deepEqual(actions(withNs.results), ['Namespace/fresh:created', 'ConfigMap/a:created']);
  });
});

test('namespaces: defaulted from the destination, kept when explicit, stripped from cluster-scoped kinds', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    await createNamespace(client, 'other');
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader', namespace: 'shop' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    };
    const res = await bundle(client, [
      cm('here'),
      cm('there', { metadata: { name: 'there', namespace: 'other' } }),
      role,
    ]);
    assert.equal(res.ok, true, res.error?.message);
    assert.deepEqual(
      res.results.map((r) => `${r.kind}/${r.namespace ?? '-'}/${r.name}`),
      ['ClusterRole/-/reader', 'ConfigMap/shop/here', 'ConfigMap/other/there'],
    );
    const live = await client.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'reader',
    });
    assert.ok(live);
    assert.equal(live.metadata.namespace, undefined);
    assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'there' }));
    assert.equal(role.metadata.namespace, 'shop', 'input not mutated');
  });
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

test('a CRD and its custom resources in one bundle: the CRD first, then the resources once served', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 3, color: 'blue' },
    };
    const res = await bundle(client, [widget, cm('cfg'), crd]);
    assert.equal(res.ok, true, res.error?.message);
    assert.deepEqual(actions(res.results), [
      'CustomResourceDefinition/widgets.example.com:created',
      'ConfigMap/cfg:created',
      'Widget/w1:created',
    ]);
    const live = await client.get({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      namespace: 'shop',
      name: 'w1',
    });
    assert.deepEqual(live?.spec, { size: 3, color: 'blue' });
    assert.equal(live?.metadata.labels?.[APPLICATION_LABEL], 'shop');

    const again = await bundle(client, [widget, cm('cfg'), crd]);
    assert.ok(
      again.results.every((r) => r.action === 'unchanged'),
      actions(again.results).join(' '),
    );
  });
});

test('a field owned by another manager: field_conflict naming it, not transient; force takes it over', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ client }) => {
      await createNamespace(client, 'shop');
      await client.apply(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'guestbook-ui', namespace: 'shop' },
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
      const res = await bundle(client, await app.render());
      assert.equal(res.ok, false);
      assert.deepEqual(actions(res.results), [
        'Service/guestbook-ui:created',
        'Deployment/guestbook-ui:failed',
      ]);
      const err = res.error;
      assert.ok(err);
      assert.equal(err.code, 'field_conflict');
      assert.equal(err.transient, false);
      assert.equal(err.status, 409);
      assert.match(err.message, /"hpa-controller"/);
      assert.match(err.message, /\.spec\.replicas/);
      assert.deepEqual(
        err.details.conflicts?.map((c) => [c.manager, c.field]),
        [['hpa-controller', '.spec.replicas']],
      );
      assert.equal(res.results[1]?.error, err);

      const forced = await bundle(client, await app.render(), { force: true });
      assert.equal(forced.ok, true, forced.error?.message);
      assert.deepEqual(actions(forced.results), [
        'Service/guestbook-ui:unchanged',
        'Deployment/guestbook-ui:configured',
      ]);
    });
  } finally {
    await app.remove();
  }
});

test('a failure stops the apply: later objects are reported as not attempted', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'after' },
      spec: {
        selector: { matchLabels: { app: 'after' } },
        template: {
          metadata: { labels: { app: 'after' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    // ConfigMaps go before Deployments; the invalid name fails on the server (422).
    const res = await bundle(client, [deployment, cm('first'), cm('Bad_Name')]);
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'invalid_object', res.error?.message);
    assert.equal(res.error?.status, 422);
    assert.equal(res.error?.transient, false);
    assert.equal(res.error?.details.object, 'ConfigMap shop/Bad_Name');
    assert.match(res.error?.message ?? '', /apply ConfigMap shop\/Bad_Name: .*Bad_Name/);
    assert.deepEqual(actions(res.results), ['ConfigMap/first:created', 'ConfigMap/Bad_Name:failed']);
    assert.equal(res.results[1]?.error, res.error);
    assert.deepEqual(res.notAttempted, [
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'after' },
    ]);
    assert.equal(
      await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'after' }),
      undefined,
    );
    assert.deepEqual(
      inventoryOf(res.results).map((e) => e.key),
      ['/ConfigMap/shop/first'],
    );
  });
});

test('cancellation stops at an object boundary and reports what was done', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const controller = new AbortController();
    const objects = ['a', 'b', 'c', 'd'].map((n) => cm(n));
    const res = await bundle(client, objects, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.index === 1) controller.abort();
      },
    });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'cancelled');
    assert.deepEqual(actions(res.results), ['ConfigMap/a:created', 'ConfigMap/b:created']);
    assert.deepEqual(
      res.notAttempted.map((r) => r.name),
      ['c', 'd'],
    );
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'c' }),
      undefined,
    );

    const before = new AbortController();
    before.abort();
    const none = await bundle(client, objects, { signal: before.signal });
    assert.equal(none.error?.code, 'cancelled');
    assert.deepEqual(none.results, []);
    assert.equal(none.notAttempted.length, 4);
  });
});

test('a CRD installed after discovery was cached: the miss is re-read before refusing the kind', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w2' },
      spec: {},
    };
    const before = await bundle(client, [widget]);
    assert.equal(before.error?.code, 'unknown_kind');
    await client.apply(crd, { fieldManager: 'platform-team' });
    const after = await bundle(client, [widget]);
    assert.equal(after.ok, true, after.error?.message);
    assert.deepEqual(actions(after.results), ['Widget/w2:created']);
  });
});

test('an application name that cannot be a label value is refused before any apply', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const res = await bundle(client, [cm('a')], { application: 'Not A Label!' });
    assert.equal(res.error?.code, 'invalid_object');
    assert.match(res.error?.message ?? '', /Not A Label!/);
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' }),
      undefined,
    );
  });
});
