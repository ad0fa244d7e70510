// Many virtual clusters in one process: separate stores, own tokens, kubectl with a server URL
// that carries the /clusters/<name> prefix.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, corpus, startTestSim, type TestSim } from './sim-support.ts';

describe('multi-cluster hosting', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({ clusters: 3 });
  });
  after(async () => {
    await t.close();
  });

  it('hosts the requested clusters under /clusters/<name>', () => {
    assert.deepEqual(
      t.sim.clusters().map((c) => c.name),
      ['cluster-1', 'cluster-2', 'cluster-3'],
    );
    assert.match(t.sim.cluster('cluster-2')?.url ?? '', /^https:\/\/127\.0\.0\.1:\d+\/clusters\/cluster-2$/);
  });

  it('keeps each cluster isolated, and kubectl works through the prefix', async () => {
    const c1 = t.sim.cluster('cluster-1');
    const c2 = t.sim.cluster('cluster-2');
    assert.ok(c1 && c2);
    const kc1 = c1.writeKubeconfig(join(t.dir, 'c1.kubeconfig'));
    const applied = await t.kubectl(['apply', '--server-side', '-f', join(corpus, 'guestbook')], {
      kubeconfig: kc1,
    });
    assert.match(applied.stdout, /serverside-applied/);
    const diff = await t.kubectl(['diff', '--server-side', '-f', join(corpus, 'guestbook')], {
      kubeconfig: kc1,
      allowFail: true,
    });
    assert.equal(diff.code, 0, diff.stderr);

    assert.equal((await api(c1, '/apis/apps/v1/namespaces/default/deployments/guestbook-ui')).status, 200);
    assert.equal((await api(c2, '/apis/apps/v1/namespaces/default/deployments/guestbook-ui')).status, 404);
    assert.equal((await api(t.sim, '/apis/apps/v1/namespaces/default/deployments/guestbook-ui')).status, 404);
    const got = await t.kubectl(['get', 'deployments', '-o', 'name'], { kubeconfig: kc1 });
    assert.equal(got.stdout.trim(), 'deployment.apps/guestbook-ui');
    const none = await t.kubectl(['get', 'deployments', '-o', 'name'], {
      kubeconfig: c2.writeKubeconfig(join(t.dir, 'c2.kubeconfig')),
    });
    assert.equal(none.stdout.trim(), '');
    assert.equal((await api(t.sim, '/clusters/nope/api')).status, 404);
  });

  it('gives an added cluster its own token', async () => {
    const own = t.sim.addCluster('tenant', { token: 'tenant-token' });
    assert.equal((await api(own, '/api/v1/namespaces')).status, 200);
    assert.equal((await api(own, '/api/v1/namespaces', { token: 'test-token' })).status, 401);
    assert.equal(
      (await api(t.sim.cluster('cluster-1') ?? t.sim, '/api/v1/namespaces', { token: 'tenant-token' }))
        .status,
      401,
    );
    const kc = own.writeKubeconfig(join(t.dir, 'tenant.kubeconfig'));
    const ns = await t.kubectl(['get', 'namespaces', '-o', 'name'], { kubeconfig: kc });
    assert.match(ns.stdout, /namespace\/default/);
    assert.equal(t.sim.removeCluster('tenant'), true);
    assert.equal((await api(own, '/api/v1/namespaces')).status, 404);
  });

  it('writes a kubeconfig with a context per cluster', async () => {
    const all = join(t.dir, 'all.kubeconfig');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(all, t.sim.kubeconfigAll());
    const contexts = await t.kubectl(['config', 'get-contexts', '-o', 'name'], { kubeconfig: all });
    assert.deepEqual(contexts.stdout.trim().split('\n').sort(), [
      'cluster-1',
      'cluster-2',
      'cluster-3',
      'kube-sim',
    ]);
    const c3 = await t.kubectl(['--context', 'cluster-3', 'get', 'ns', 'default', '-o', 'name'], {
      kubeconfig: all,
    });
    assert.equal(c3.stdout.trim(), 'namespace/default');
  });
});
