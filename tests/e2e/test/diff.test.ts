import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { api, CORPUS, type E2E, SIM_TOKEN, startE2E } from './env.ts';

describe('diff', () => {
  let e: E2E;
  let v1: string;
  let v2: string;
  before(async () => {
    e = await startE2E();
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    await e.repo.write(
      'guestbook/old.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\ndata:\n  a: "1"\n',
    );
    v1 = await e.repo.commit('v1');
    await e.repo.write(
      'guestbook/guestbook-ui-deployment.yaml',
      manifest.replace('replicas: 1', 'replicas: 2'),
    );
    await e.repo.remove('guestbook/old.yaml');
    await e.repo.write(
      'guestbook/new.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\ndata:\n  b: "2"\n',
    );
    v2 = await e.repo.commit('v2');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    await api(e.app, 'POST', '/api/v1/clusters', { name: 'edge', mode: 'pull' });
    await api(e.app, 'POST', '/api/v1/applications', {
      name: 'guestbook',
      repoUrl: e.repoUrl,
      path: 'guestbook',
      targetRevision: 'main',
      destinations: [
        { cluster: 'sim', namespace: 'guestbook' },
        { cluster: 'edge', namespace: 'guestbook' },
      ],
      syncPolicy: { createNamespace: true, prune: true },
    });
    const dep = await api(e.app, 'POST', '/api/v1/applications/guestbook/deployments', { revision: v1 });
    // The pull target has no agent here; only the push target is waited for.
    const until = Date.now() + 60_000;
    for (;;) {
      const cur = await api(e.app, 'GET', `/api/v1/deployments/${dep.body.id}`);
      const t = cur.body.targets.find((x: { cluster: string }) => x.cluster === 'sim');
      if (t.status === 'succeeded') break;
      assert.ok(Date.now() < until && t.status !== 'failed', JSON.stringify(cur.body));
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => e.close());

  test('diff of the next revision: created, changed with fields, pruned, unchanged', async () => {
    const res = await api(e.app, 'POST', '/api/v1/applications/guestbook/diff', {
      revision: v2,
      cluster: 'sim',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.revision.sha, v2);
    const [sim] = res.body.clusters;
    const by = Object.fromEntries(
      sim.objects.map((o: { kind: string; name: string }) => [`${o.kind}/${o.name}`, o]),
    );
    assert.equal(by['ConfigMap/new'].action, 'create');
    assert.equal(by['ConfigMap/old'].action, 'prune');
    assert.equal(by['Service/guestbook-ui'].action, 'unchanged');
    const dep = by['Deployment/guestbook-ui'];
    assert.equal(dep.action, 'change');
    assert.deepEqual(
      dep.changes.map((c: { path: string }) => c.path),
      ['spec.replicas'],
    );
    assert.equal(dep.changes[0].from, 1);
    assert.equal(dep.changes[0].to, 2);
    // A diff changes nothing.
    const cm = await e.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'guestbook', name: 'new' });
    assert.equal(cm, undefined);
  });

  test('diff against the applied revision shows everything unchanged; a pull cluster without its agent says so', async () => {
    const res = await api(e.app, 'POST', '/api/v1/applications/guestbook/diff', { revision: v1 });
    assert.equal(res.status, 200);
    const sim = res.body.clusters.find((c: { cluster: string }) => c.cluster === 'sim');
    assert.ok(
      sim.objects.every((o: { action: string }) => o.action === 'unchanged'),
      JSON.stringify(sim.objects),
    );
    const edge = res.body.clusters.find((c: { cluster: string }) => c.cluster === 'edge');
    assert.equal(edge.error.code, 'agent_unavailable');
    const unknown = await api(e.app, 'POST', '/api/v1/applications/guestbook/diff', { cluster: 'nope' });
    assert.equal(unknown.status, 404);
    const badRev = await api(e.app, 'POST', '/api/v1/applications/guestbook/diff', {
      revision: 'no-such-ref',
    });
    assert.equal(badRev.status, 422);
  });
});
