import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '@tether/manifests';
import {
  APPLICATION_LABEL,
  applyBundle,
  type InventoryEntry,
  inventoryOf,
  type KubeClient,
  type ObjectRef,
  planPrune,
  prune,
} from '../src/index.ts';
import { corpusApp, createNamespace, logger, withSim, writeAs } from './helpers.ts';

const cm = (name: string, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data: { k: name },
});

const cmRef = (name: string, namespace = 'shop'): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace,
  name,
});

const svcRef = (namespace: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'Service',
  namespace,
  name: 'guestbook-ui',
});

function names(list: Array<{ ref: ObjectRef }>): string[] {
  return list.map((c) => `${c.ref.kind}/${c.ref.namespace ?? '-'}/${c.ref.name}`);
}

async function exists(client: KubeClient, ref: ObjectRef): Promise<boolean> {
  return (await client.get(ref)) !== undefined;
}

test('prune deletes exactly what the application no longer renders; other owners and managers are kept', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ sim, client }) => {
      await createNamespace(client, 'shop');
      await createNamespace(client, 'other');
      // Created by kubectl before Tether applied the same ConfigMap: Tether only co-owns it.
      await writeAs(
        sim,
        'POST',
        '/api/v1/namespaces/shop/configmaps',
        cm('shared', 'shop'),
        'kubectl-create',
      );
      // Not Tether's at all; one of them wrongly recorded in the inventory.
      await writeAs(sim, 'POST', '/api/v1/namespaces/shop/configmaps', cm('stray', 'shop'), 'kubectl-create');
      await writeAs(
        sim,
        'POST',
        '/api/v1/namespaces/shop/configmaps',
        cm('listed', 'shop'),
        'kubectl-create',
      );

      const v1 = [...(await app.render()), cm('settings'), cm('handover'), cm('shared')];
      const first = await applyBundle({
        client,
        objects: v1,
        application: 'guestbook',
        destinationNamespace: 'shop',
        logger,
      });
      assert.equal(first.ok, true, first.error?.message);
      // Another application: a Service of the same name elsewhere, and it takes `handover` over.
      const theirs = await applyBundle({
        client,
        objects: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'guestbook-ui' },
            spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
          },
          cm('handover', 'shop'),
        ],
        application: 'other',
        destinationNamespace: 'other',
        force: true,
        logger,
      });
      assert.equal(theirs.ok, true, theirs.error?.message);

      // The inventory lost `settings` (labels find it) and wrongly holds `listed`.
      const inventory: InventoryEntry[] = [
        ...inventoryOf(first.results).filter((e) => e.name !== 'settings'),
        {
          key: '/ConfigMap/shop/listed',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'shop',
          name: 'listed',
        },
      ];
      // v2: the Service manifest and three ConfigMaps are gone from the application.
      await rm(join(app.dir, 'guestbook/guestbook-ui-svc.yaml'));
      const v2 = await app.render();
      assert.deepEqual(
        v2.map((o) => o.manifest.kind),
        ['Deployment'],
      );
      const input = {
        client,
        application: 'guestbook',
        destinationNamespace: 'shop',
        inventory,
        desired: v2,
      };

      const plan = await planPrune(input);
      assert.deepEqual(names(plan.prune), ['Service/shop/guestbook-ui', 'ConfigMap/shop/settings']);
      const skipped = new Map(plan.skipped.map((c) => [c.ref.name, c.reason]));
      assert.deepEqual([...skipped.keys()].sort(), ['handover', 'listed', 'shared']);
      assert.match(skipped.get('handover') ?? '', /owned by application "other"/);
      assert.match(skipped.get('listed') ?? '', /not labelled app\.kubernetes\.io\/managed-by=tether/);
      assert.match(skipped.get('shared') ?? '', /also managed by "kubectl-create" \(Update: \.data\.k\)/);
      assert.deepEqual(plan.retained, []);

      // Prune off: the same plan, reported, nothing deleted.
      const off = await prune({ ...input, enabled: false, logger });
      assert.equal(off.ok, true);
      assert.deepEqual(
        off.results.map((r) => `${r.name}:${r.action}`),
        [
          'handover:skipped',
          'listed:skipped',
          'shared:skipped',
          'guestbook-ui:orphaned',
          'settings:orphaned',
        ],
      );
      assert.match(off.results.find((r) => r.action === 'orphaned')?.reason ?? '', /prune is off/);
      assert.ok(await exists(client, svcRef('shop')));
      assert.ok(await exists(client, cmRef('settings')));

      const on = await prune({ ...input, enabled: true, logger });
      assert.equal(on.ok, true, on.error?.message);
      assert.deepEqual(
        on.results.filter((r) => r.action === 'pruned').map((r) => `${r.kind}/${r.name}`),
        ['Service/guestbook-ui', 'ConfigMap/settings'],
      );
      assert.equal(await exists(client, svcRef('shop')), false);
      assert.equal(await exists(client, cmRef('settings')), false);
      for (const name of ['handover', 'listed', 'shared', 'stray'])
        assert.ok(await exists(client, cmRef(name)), name);
      assert.ok(await exists(client, svcRef('other')), "the other application's Service of the same name");
      assert.ok(
        await exists(client, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'guestbook-ui',
        }),
      );
      const handover = await client.get(cmRef('handover'));
      assert.equal(handover?.metadata.labels?.[APPLICATION_LABEL], 'other');

      // What the next prune starts from: the apply's objects, without the pruned and skipped ones.
      const second = await applyBundle({
        client,
        objects: v2,
        application: 'guestbook',
        destinationNamespace: 'shop',
        logger,
      });
      assert.deepEqual(
        inventoryOf([...second.results, ...on.results]).map((e) => e.key),
        ['apps/Deployment/shop/guestbook-ui'],
      );
      const again = await planPrune({ ...input, inventory: inventoryOf([...second.results, ...on.results]) });
      assert.deepEqual(again.prune, []);
    });
  } finally {
    await app.remove();
  }
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
  },
};

test('Namespaces and CRDs go last, and stay while deleting them would take along what the prune keeps', async () => {
  await withSim(async ({ client }) => {
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: {},
    };
    const v1 = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, crd, widget, cm('a')];
    const first = await applyBundle({
      client,
      objects: v1,
      application: 'platform',
      destinationNamespace: 'team-a',
      logger,
    });
    assert.equal(first.ok, true, first.error?.message);
    const other = await applyBundle({
      client,
      objects: [cm('theirs')],
      application: 'other',
      destinationNamespace: 'team-a',
      logger,
    });
    assert.equal(other.ok, true, other.error?.message);
    const input = {
      client,
      application: 'platform',
      destinationNamespace: 'team-a',
      inventory: inventoryOf(first.results),
      desired: [],
    };

    const plan = await planPrune(input);
    assert.deepEqual(names(plan.prune), [
      'Widget/team-a/w1',
      'ConfigMap/team-a/a',
      'CustomResourceDefinition/-/widgets.example.com',
    ]);
    assert.deepEqual(names(plan.retained), ['Namespace/-/team-a']);
    assert.match(plan.retained[0]?.reason ?? '', /would also delete .*ConfigMap team-a\/theirs/);

    const res = await prune({ ...input, enabled: true, logger });
    assert.equal(res.ok, true, res.error?.message);
    assert.deepEqual(
      res.results.map((r) => `${r.kind}/${r.name}:${r.action}`),
      [
        'Namespace/team-a:orphaned',
        'Widget/w1:pruned',
        'ConfigMap/a:pruned',
        'CustomResourceDefinition/widgets.example.com:pruned',
      ],
    );
    assert.ok(await exists(client, cmRef('theirs', 'team-a')));
    assert.equal(await exists(client, crdRef), false);
    // The retained namespace stays in the inventory: once the other application is gone, it goes.
    const inventory = inventoryOf(res.results);
    assert.deepEqual(
      inventory.map((e) => e.key),
      ['/Namespace//team-a'],
    );
    await client.delete(cmRef('theirs', 'team-a'));
    const later = await prune({ ...input, inventory, enabled: true, logger });
    assert.deepEqual(
      later.results.map((r) => `${r.kind}/${r.name}:${r.action}`),
      ['Namespace/team-a:pruned'],
    );
  });
});

const crdRef: ObjectRef = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: 'widgets.example.com',
};

test('a CRD whose custom resources the application still renders is not pruned', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const widget: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: {},
    };
    const first = await applyBundle({
      client,
      objects: [crd, widget],
      application: 'shop',
      destinationNamespace: 'shop',
      logger,
    });
    assert.equal(first.ok, true, first.error?.message);
    const plan = await planPrune({
      client,
      application: 'shop',
      destinationNamespace: 'shop',
      inventory: inventoryOf(first.results),
      desired: [widget],
    });
    assert.deepEqual(plan.prune, []);
    assert.deepEqual(names(plan.retained), ['CustomResourceDefinition/-/widgets.example.com']);
    assert.match(plan.retained[0]?.reason ?? '', /Widget shop\/w1/);
  });
});

test('prune stops at an object boundary when cancelled and reports what was not attempted', async () => {
  await withSim(async ({ client }) => {
    await createNamespace(client, 'shop');
    const objects = ['a', 'b', 'c', 'd'].map((n) => cm(n));
    const first = await applyBundle({
      client,
      objects,
      application: 'shop',
      destinationNamespace: 'shop',
      logger,
    });
    assert.equal(first.ok, true, first.error?.message);
    const controller = new AbortController();
    const input = {
      client,
      application: 'shop',
      destinationNamespace: 'shop',
      inventory: inventoryOf(first.results),
      desired: [],
      enabled: true,
      logger,
    };
    const res = await prune({
      ...input,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.index === 1) controller.abort();
      },
    });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'cancelled');
    assert.equal(res.results.filter((r) => r.action === 'pruned').length, 2);
    assert.equal(res.notAttempted.length, 2);
    for (const ref of res.notAttempted) assert.ok(await exists(client, ref), ref.name);

    const before = new AbortController();
    before.abort();
    const none = await prune({ ...input, signal: before.signal });
    assert.equal(none.error?.code, 'cancelled');
    assert.deepEqual(none.results, []);
    for (const ref of res.notAttempted) assert.ok(await exists(client, ref), ref.name);
  });
});

test('an object changed by another manager between plan and delete is judged again, not deleted', async () => {
  await withSim(async ({ sim, client }) => {
    await createNamespace(client, 'shop');
    const first = await applyBundle({
      client,
      objects: [cm('a'), cm('b')],
      application: 'shop',
      destinationNamespace: 'shop',
      logger,
    });
    const input = {
      client,
      application: 'shop',
      destinationNamespace: 'shop',
      inventory: inventoryOf(first.results),
      desired: [cm('b')],
    };
    const plan = await planPrune(input);
    assert.deepEqual(names(plan.prune), ['ConfigMap/shop/a']);
    await writeAs(
      sim,
      'PATCH',
      '/api/v1/namespaces/shop/configmaps/a',
      { data: { k: 'edited' } },
      'kubectl-edit',
    );
    const res = await prune({ ...input, plan, enabled: true, logger });
    assert.equal(res.ok, true, res.error?.message);
    assert.equal(res.results[0]?.action, 'skipped');
    assert.match(res.results[0]?.reason ?? '', /"kubectl-edit"/);
    assert.ok(await exists(client, cmRef('a')));
  });
});

// The apiserver records writes through /scale with `subresource: "scale"` (since 1.22).
test('scaling through the scale subresource (an autoscaler, `kubectl scale`) does not make an object foreign', async () => {
  await withSim(async ({ sim, client }) => {
    await createNamespace(client, 'shop');
    const web: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    const first = await applyBundle({
      client,
      objects: [web],
      application: 'shop',
      destinationNamespace: 'shop',
      logger,
    });
    assert.equal(first.ok, true, first.error?.message);
    await writeAs(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      { spec: { replicas: 4 } },
      'kubectl',
    );
    const live = await client.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
    });
    assert.equal((live?.spec as { replicas?: number } | undefined)?.replicas, 4);
    const plan = await planPrune({
      client,
      application: 'shop',
      destinationNamespace: 'shop',
      inventory: inventoryOf(first.results),
      desired: [],
    });
    assert.deepEqual(names(plan.prune), ['Deployment/shop/web']);
  });
});
