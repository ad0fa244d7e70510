import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { api, CORPUS, type E2E, SIM_TOKEN, settled, startE2E } from './env.ts';

const EXTRA = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n';

describe('lifecycle: prune, namespaces, health', () => {
  let e: E2E;
  before(async () => {
    e = await startE2E();
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'pruned');
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'kept');
    await e.repo.write('pruned/extra.yaml', EXTRA);
    await e.repo.write('kept/extra.yaml', EXTRA);
    await e.repo.commit('two copies of guestbook with an extra config map');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
  });
  after(async () => e.close());

  async function createApp(name: string, path: string, syncPolicy: Record<string, boolean>) {
    const res = await api(e.app, 'POST', '/api/v1/applications', {
      name,
      repoUrl: e.repoUrl,
      path,
      targetRevision: 'main',
      destinations: [{ cluster: 'sim', namespace: name }],
      syncPolicy,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  async function deploy(name: string) {
    const res = await api(e.app, 'POST', `/api/v1/applications/${name}/deployments`, {});
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return settled(e.app, res.body.id);
  }
  const configMap = (ns: string, name: string) =>
    e.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

  test("prune deletes a removed manifest's object and nothing else; without prune it is reported orphaned", async () => {
    await createApp('pruned', 'pruned', { prune: true, createNamespace: true });
    await createApp('kept', 'kept', { prune: false, createNamespace: true });
    for (const name of ['pruned', 'kept']) assert.equal((await deploy(name)).status, 'succeeded');
    // Something in the namespace Tether did not create must survive prune.
    await e.kube.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'hand-made', namespace: 'pruned' },
        data: { x: 'y' },
      },
      { fieldManager: 'kubectl' },
    );
    await e.repo.remove('pruned/extra.yaml');
    await e.repo.remove('kept/extra.yaml');
    await e.repo.commit('drop the extra config maps');

    const pruned = await deploy('pruned');
    assert.equal(pruned.status, 'succeeded', JSON.stringify(pruned));
    const actions = pruned.targets[0].objects.map(
      (o: { kind: string; name: string; action: string }) => `${o.kind}/${o.name}:${o.action}`,
    );
    assert.ok(actions.includes('ConfigMap/extra:pruned'), actions.join(' '));
    assert.equal(await configMap('pruned', 'extra'), undefined);
    assert.ok(await configMap('pruned', 'hand-made'), 'an object Tether does not own is never pruned');
    assert.ok(
      await e.kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'pruned',
        name: 'guestbook-ui',
      }),
    );

    const kept = await deploy('kept');
    assert.equal(kept.status, 'succeeded');
    const keptActions = kept.targets[0].objects.map(
      (o: { kind: string; name: string; action: string }) => `${o.kind}/${o.name}:${o.action}`,
    );
    assert.ok(keptActions.includes('ConfigMap/extra:orphaned'), keptActions.join(' '));
    assert.ok(await configMap('kept', 'extra'), 'without prune the object stays');
  });

  test('a missing destination namespace fails the target unless the application creates it', async () => {
    await createApp('nowhere', 'kept', { createNamespace: false });
    const done = await deploy('nowhere');
    assert.equal(done.status, 'failed');
    assert.equal(done.targets[0].errorCode, 'namespace_not_found');
    assert.match(done.targets[0].error, /nowhere/);
    assert.equal(done.targets[0].attempts, 1);
  });

  test('an image that never becomes ready fails the target with the reason', async () => {
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    await e.repo.write(
      'broken/deployment.yaml',
      manifest
        .replace('gb-frontend:v5', 'gb-frontend:fail')
        .replace('replicas: 1', 'replicas: 1\n  progressDeadlineSeconds: 1'),
    );
    await e.repo.commit('an image that never starts');
    await createApp('broken', 'broken', { createNamespace: true });
    const done = await deploy('broken');
    assert.equal(done.status, 'failed', JSON.stringify(done));
    assert.equal(done.targets[0].errorCode, 'health_degraded');
    assert.match(done.targets[0].error, /ProgressDeadlineExceeded/);
    assert.match(done.targets[0].error, /guestbook-ui/);
  });
});
