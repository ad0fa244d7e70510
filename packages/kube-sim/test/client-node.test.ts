// @kubernetes/client-node against the simulator: server-side apply of the corpus through
// KubernetesObjectApi, typed lists with label selectors, Watch and an informer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { corpus, eventually, startTestSim, type TestSim } from './sim-support.ts';

function manifests(dir: string, files: string[]): KubernetesObject[] {
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8'))
      .map((d) => d.toJSON() as KubernetesObject | null)
      .filter((o): o is KubernetesObject => o !== null),
  );
}

function sockShop(): KubernetesObject[] {
  const kustomization = readFileSync(join(corpus, 'sock-shop/kustomization.yaml'), 'utf8');
  const files = [...kustomization.matchAll(/^\s*-\s*(\S+\.yaml)\s*$/gm)].map((m) => m[1] ?? '');
  return manifests(join(corpus, 'sock-shop'), files).map((o) => ({
    ...o,
    metadata: { ...o.metadata, namespace: 'shop' },
  }));
}

describe('@kubernetes/client-node against kube-sim', () => {
  let t: TestSim;
  let kc: KubeConfig;
  let objects: KubernetesObjectApi;
  before(async () => {
    t = await startTestSim();
    kc = new KubeConfig();
    kc.loadFromString(t.sim.kubeconfig());
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  after(async () => {
    await t.close();
  });

  it('server-side applies guestbook and sock-shop, and a re-apply changes nothing', async () => {
    const all = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      ...manifests(join(corpus, 'guestbook'), ['guestbook-ui-deployment.yaml', 'guestbook-ui-svc.yaml']).map(
        (o) => ({
          ...o,
          metadata: { ...o.metadata, namespace: 'default' },
        }),
      ),
      ...sockShop(),
    ];
    for (const obj of all) {
      await objects.patch(obj, undefined, undefined, 'tether', true, PatchStrategy.ServerSideApply);
    }
    // Read back after the simulated controllers have written status.
    const first = [];
    for (const obj of all)
      first.push(await objects.read(obj as KubernetesObject & { metadata: { name: string } }));
    assert.equal(first.length, 32);
    const again = [];
    for (const obj of all) {
      again.push(
        await objects.patch(obj, undefined, undefined, 'tether', true, PatchStrategy.ServerSideApply),
      );
    }
    assert.deepEqual(
      again.map((o) => o.metadata?.resourceVersion),
      first.map((o) => o.metadata?.resourceVersion),
    );
    const read = await objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'carts', namespace: 'shop' },
    });
    assert.equal(read.metadata?.managedFields?.[0]?.manager, 'tether');
  });

  it('lists with label selectors through the typed APIs', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const carts = await apps.listNamespacedDeployment({ namespace: 'shop', labelSelector: 'name=carts' });
    assert.deepEqual(
      carts.items.map((d) => d.metadata?.name),
      ['carts'],
    );
    const dbs = await apps.listDeploymentForAllNamespaces({
      labelSelector: 'name in (carts-db,orders-db,user-db)',
    });
    assert.deepEqual(dbs.items.map((d) => d.metadata?.name).sort(), ['carts-db', 'orders-db', 'user-db']);
    assert.equal(dbs.kind, 'DeploymentList');
    assert.match(dbs.metadata?.resourceVersion ?? '', /^\d+$/);
    const notDb = await apps.listNamespacedDeployment({
      namespace: 'shop',
      labelSelector: 'name,name notin (carts-db,orders-db)',
    });
    // 13 of the 14 deployments carry a `name` label (front-end does not).
    assert.equal(notDb.items.length, 11);

    const core = kc.makeApiClient(CoreV1Api);
    const services = await core.listServiceForAllNamespaces({ labelSelector: '!name' });
    assert.deepEqual(services.items.map((s) => s.metadata?.name).sort(), ['guestbook-ui']);
    const deploy = await apps.readNamespacedDeployment({ name: 'guestbook-ui', namespace: 'default' });
    assert.equal(deploy.status?.availableReplicas, 1);
  });

  it('watches configmaps with Watch', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const events: Array<{ type: string; name: string }> = [];
    const watch = new Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'app=watched' },
      (type, obj: V1ConfigMap) => events.push({ type, name: obj.metadata?.name ?? '' }),
      () => {},
    );
    try {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'w1', labels: { app: 'watched' } }, data: { a: '1' } },
      });
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other' } } });
      await core.patchNamespacedConfigMap({
        name: 'w1',
        namespace: 'default',
        body: [{ op: 'replace', path: '/data/a', value: '2' }],
      });
      await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
      await eventually('three events', () => events.length >= 3);
      assert.deepEqual(events, [
        { type: 'ADDED', name: 'w1' },
        { type: 'MODIFIED', name: 'w1' },
        { type: 'DELETED', name: 'w1' },
      ]);
    } finally {
      req.abort();
    }
  });

  it('keeps an informer cache in sync', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'informed' } },
      });
      await eventually('the informer to see the ConfigMap', () => added.includes('informed'));
      assert.ok(informer.get('informed', 'default'));
      await core.deleteNamespacedConfigMap({ name: 'informed', namespace: 'default' });
      await eventually(
        'the informer to drop the ConfigMap',
        () => informer.get('informed', 'default') === undefined,
      );
    } finally {
      await informer.stop();
    }
  });

  it('prunes a field dropped from the applied configuration', async () => {
    const base = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'pruned', namespace: 'default', labels: { keep: 'yes', drop: 'me' } },
      data: { a: '1', b: '2' },
    };
    await objects.patch(base, undefined, undefined, 'tether', true, PatchStrategy.ServerSideApply);
    const smaller = { ...base, metadata: { ...base.metadata, labels: { keep: 'yes' } }, data: { a: '1' } };
    const after = await objects.patch(
      smaller,
      undefined,
      undefined,
      'tether',
      true,
      PatchStrategy.ServerSideApply,
    );
    assert.deepEqual(after.metadata?.labels, { keep: 'yes' });
    assert.deepEqual((after as V1ConfigMap).data, { a: '1' });
  });

  it('surfaces a conflict as an ApiException with a 409 Status', async () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'carts', namespace: 'shop' },
      spec: { replicas: 5 },
    };
    await assert.rejects(
      objects.patch(deploy, undefined, undefined, 'someone-else', false, PatchStrategy.ServerSideApply),
      (err: { code?: number; body?: string }) => {
        assert.equal(err.code, 409);
        const status = JSON.parse(err.body ?? '{}');
        assert.equal(status.reason, 'Conflict');
        assert.equal(status.details.causes[0].reason, 'FieldManagerConflict');
        assert.equal(status.details.causes[0].field, '.spec.replicas');
        assert.match(status.message, /conflict with "tether"/);
        return true;
      },
    );
  });

  it('deletes a namespace and everything in it', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await core.deleteNamespace({ name: 'shop' });
    await eventually('the namespace to go away', async () => {
      const list = await core.listNamespace();
      return !list.items.some((n) => n.metadata?.name === 'shop');
    });
    assert.deepEqual((await apps.listNamespacedDeployment({ namespace: 'shop' })).items, []);
    assert.deepEqual((await core.listNamespacedService({ namespace: 'shop' })).items, []);
    await assert.rejects(core.readNamespace({ name: 'shop' }), (err: { code?: number }) => err.code === 404);
  });
});
