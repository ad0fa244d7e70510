import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents } from '@tether/db';
import { api, CORPUS, type E2E, SIM_TOKEN, settled, startE2E } from './env.ts';

describe('cancel', () => {
  let e: E2E;
  before(async () => {
    e = await startE2E({ startWorker: false });
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    // A rollout that never becomes ready keeps its target running in the health wait.
    await e.repo.write(
      'slow/deployment.yaml',
      manifest
        .replace('gb-frontend:v5', 'gb-frontend:fail')
        .replace('replicas: 1', 'replicas: 1\n  progressDeadlineSeconds: 600'),
    );
    await e.repo.commit('apps');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    for (const [name, path] of [
      ['guestbook', 'guestbook'],
      ['slow', 'slow'],
    ]) {
      await api(e.app, 'POST', '/api/v1/applications', {
        name,
        repoUrl: e.repoUrl,
        path,
        targetRevision: 'main',
        destinations: [{ cluster: 'sim', namespace: name }],
        syncPolicy: { createNamespace: true },
      });
    }
  });
  after(async () => e.close());

  test('cancelling a waiting deployment ends its targets cancelled and nothing is applied', async () => {
    const dep = await api(e.app, 'POST', '/api/v1/applications/guestbook/deployments', {});
    const cancelled = await api(e.app, 'POST', `/api/v1/deployments/${dep.body.id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.targets[0].status, 'cancelled');
    await e.worker.start();
    // A later deployment runs normally, proving the worker is up; the cancelled one never ran.
    const next = await api(e.app, 'POST', '/api/v1/applications/guestbook/deployments', {});
    assert.equal((await settled(e.app, next.body.id)).status, 'succeeded');
    const again = await api(e.app, 'GET', `/api/v1/deployments/${dep.body.id}`);
    assert.equal(again.body.targets[0].attempts, 0);
    const audit = await listAuditEvents(e.db, { deploymentId: dep.body.id, type: 'target.cancelled' });
    assert.equal(audit.items.length, 1);
    assert.equal(audit.items[0]?.actorName, 'admin');
    const twice = await api(e.app, 'POST', `/api/v1/deployments/${dep.body.id}/cancel`);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'invalid_transition');
  });

  test('cancelling a running deployment stops its target', async () => {
    const dep = await api(e.app, 'POST', '/api/v1/applications/slow/deployments', {});
    for (;;) {
      const cur = await api(e.app, 'GET', `/api/v1/deployments/${dep.body.id}`);
      if (cur.body.targets[0].status === 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await api(e.app, 'POST', `/api/v1/deployments/${dep.body.id}/cancel`);
    assert.equal(res.status, 200);
    const done = await settled(e.app, dep.body.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.targets[0].status, 'cancelled');
    // The worker let go of the job instead of waiting out the rollout's 600 s deadline.
    const until = Date.now() + 30_000;
    while (e.worker.running() > 0) {
      assert.ok(Date.now() < until, 'the cancelled job still holds a worker slot');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  test('cancelling an unknown deployment is 404', async () => {
    const res = await api(e.app, 'POST', '/api/v1/deployments/dep_000000000000000000000000/cancel');
    assert.equal(res.status, 404);
  });
});
