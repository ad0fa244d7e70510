import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents, verifyAuditChain } from '@tether/db';
import { api, CORPUS, type E2E, pushWebhook, SIM_TOKEN, settled, startE2E } from './env.ts';

describe('push path: a GitHub push becomes an audited server-side apply', () => {
  let e: E2E;
  let base: string;

  before(async () => {
    e = await startE2E();
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'apps/guestbook');
    await e.repo.copyDir(`${CORPUS}/manifests/sock-shop`, 'apps/sock-shop');
    base = await e.repo.commit('guestbook and sock-shop');
    const cluster = await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    assert.equal(cluster.status, 201, JSON.stringify(cluster.body));
    for (const name of ['guestbook', 'sock-shop']) {
      const res = await api(e.app, 'POST', '/api/v1/applications', {
        name,
        repoUrl: e.repoUrl,
        path: `apps/${name}`,
        targetRevision: 'main',
        destinations: [{ cluster: 'sim', namespace: name }],
        syncPolicy: { automated: true, createNamespace: true },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => e.close());

  test('a push deploys guestbook and sock-shop; the objects are in the cluster', async () => {
    const res = await pushWebhook(e.app, e.repoUrl, base, '0'.repeat(40), { id: 'e2e-first' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const names = res.body.deployments.map((d: { application: string }) => d.application).sort();
    assert.deepEqual(names, ['guestbook', 'sock-shop']);
    for (const d of res.body.deployments) {
      const done = await settled(e.app, d.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      const t = done.targets[0];
      assert.equal(t.status, 'succeeded');
      assert.equal(t.attempts, 1);
      assert.ok(t.objects.length > 0);
      assert.ok(
        t.objects.every((o: { action: string }) => o.action === 'created'),
        JSON.stringify(t.objects),
      );
    }
    const ui = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.ok(ui, 'guestbook-ui exists');
    assert.equal(ui.metadata.labels?.['app.kubernetes.io/managed-by'], 'tether');
    assert.equal(ui.metadata.labels?.['tether.dev/application'], 'guestbook');
    const managers = ui.metadata.managedFields as Array<{ manager: string; operation: string }> | undefined;
    assert.ok(managers?.some((m) => m.manager === 'tether' && m.operation === 'Apply'));
    const shopDeployments = await e.kube.list({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'sock-shop',
    });
    const shopServices = await e.kube.list({ apiVersion: 'v1', kind: 'Service', namespace: 'sock-shop' });
    assert.equal(shopDeployments.length, 14);
    assert.equal(shopServices.length, 14);

    const audit = await listAuditEvents(e.db, { deliveryId: 'e2e-first', limit: 200 });
    const types = audit.items.map((a) => a.type);
    for (const t of ['delivery.received', 'deployment.created', 'target.queued'])
      assert.ok(types.includes(t), t);
    const depId = res.body.deployments[0].id as string;
    const trail = (await listAuditEvents(e.db, { deploymentId: depId, limit: 200 })).items
      .map((a) => a.type)
      .reverse();
    assert.deepEqual(trail.slice(0, 2), ['deployment.created', 'target.queued']);
    assert.ok(trail.indexOf('target.started') < trail.indexOf('target.succeeded'));
    assert.equal((await verifyAuditChain(e.db)).ok, true);
  });

  test('redelivery answers the same and applies nothing again', async () => {
    const before = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    const again = await pushWebhook(e.app, e.repoUrl, base, '0'.repeat(40), { id: 'e2e-first' });
    assert.equal(again.status, 202);
    const list = await api(e.app, 'GET', '/api/v1/deployments?limit=200');
    assert.equal(list.body.items.length, 2);
    const now = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.equal(now?.metadata.resourceVersion, before?.metadata.resourceVersion);
  });

  test('a change to one application deploys only it; unchanged objects are reported so', async () => {
    const file = 'apps/guestbook/guestbook-ui-deployment.yaml';
    const original = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    await e.repo.write(file, original.replace('replicas: 1', 'replicas: 3'));
    const sha = await e.repo.commit('guestbook: three replicas');
    const res = await pushWebhook(e.app, e.repoUrl, sha, base, { files: [file] });
    assert.deepEqual(
      res.body.deployments.map((d: { application: string }) => d.application),
      ['guestbook'],
    );
    const done = await settled(e.app, res.body.deployments[0].id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const actions = Object.fromEntries(
      done.targets[0].objects.map((o: { kind: string; action: string }) => [o.kind, o.action]),
    );
    assert.equal(actions.Deployment, 'configured');
    assert.equal(actions.Service, 'unchanged');
    const ui = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.equal((ui?.spec as { replicas: number } | undefined)?.replicas, 3);
    base = sha;
  });

  test('a malformed manifest fails the target with a clear error and applies nothing', async () => {
    const before = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    await e.repo.write(
      'apps/guestbook/zz-new.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new-config\n',
    );
    await e.repo.write(
      'apps/guestbook/broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n',
    );
    const sha = await e.repo.commit('broken manifest');
    const res = await pushWebhook(e.app, e.repoUrl, sha, base, { files: ['apps/guestbook/broken.yaml'] });
    const done = await settled(e.app, res.body.deployments[0].id);
    assert.equal(done.status, 'failed');
    const t = done.targets[0];
    assert.equal(t.status, 'failed');
    assert.equal(t.attempts, 1, 'a malformed manifest is not retried');
    assert.match(t.error, /broken\.yaml/);
    assert.equal(
      await e.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'guestbook', name: 'new-config' }),
      undefined,
    );
    const now = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.equal(now?.metadata.resourceVersion, before?.metadata.resourceVersion);
    await e.repo.remove('apps/guestbook/broken.yaml');
    await e.repo.remove('apps/guestbook/zz-new.yaml');
    base = await e.repo.commit('fix');
  });

  test('an unreachable cluster is retried, then the target fails naming the cause', async () => {
    assert.equal(
      (
        await api(e.app, 'POST', '/api/v1/clusters', {
          name: 'gone',
          mode: 'push',
          server: 'https://127.0.0.1:1',
        })
      ).status,
      201,
    );
    const app = await api(e.app, 'POST', '/api/v1/applications', {
      name: 'guestbook-dr',
      repoUrl: e.repoUrl,
      path: 'apps/guestbook',
      targetRevision: 'main',
      destinations: [{ cluster: 'gone', namespace: 'guestbook' }],
      syncPolicy: { automated: false },
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const dep = await api(e.app, 'POST', '/api/v1/applications/guestbook-dr/deployments', {});
    assert.equal(dep.status, 202, JSON.stringify(dep.body));
    const done = await settled(e.app, dep.body.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.targets[0].attempts, 3);
    assert.equal(done.targets[0].errorCode, 'cluster_unreachable');
    const retried = await listAuditEvents(e.db, { deploymentId: dep.body.id, type: 'target.retried' });
    assert.equal(retried.items.length, 2);
  });

  test('pushes to an unknown repository or with a bad signature create nothing', async () => {
    const count = (await api(e.app, 'GET', '/api/v1/deployments?limit=200')).body.items.length;
    const unknown = await pushWebhook(e.app, 'https://github.com/acme/unknown.git', base, '0'.repeat(40));
    assert.equal(unknown.status, 202);
    assert.equal(unknown.body.ignored, 'no_matching_application');
    const forged = await pushWebhook(e.app, e.repoUrl, base, '0'.repeat(40), { secret: 'wrong' });
    assert.equal(forged.status, 401);
    assert.equal((await api(e.app, 'GET', '/api/v1/deployments?limit=200')).body.items.length, count);
  });
});
