import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents } from '@tether/db';
import { api, CORPUS, type E2E, SIM_TOKEN, settled, startE2E } from './env.ts';

describe('rollback', () => {
  let e: E2E;
  let v1: string;
  let v2: string;

  before(async () => {
    e = await startE2E();
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    v1 = await e.repo.commit('v1');
    await e.repo.write(
      'guestbook/guestbook-ui-deployment.yaml',
      manifest.replace('gb-frontend:v5', 'gb-frontend:v6'),
    );
    v2 = await e.repo.commit('v2: new image');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    for (const name of ['guestbook', 'other']) {
      const res = await api(e.app, 'POST', '/api/v1/applications', {
        name,
        repoUrl: e.repoUrl,
        path: 'guestbook',
        targetRevision: 'main',
        destinations: [{ cluster: 'sim', namespace: name }],
        syncPolicy: { createNamespace: true },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => e.close());

  const image = async () => {
    const d = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    const spec = d?.spec as { template: { spec: { containers: Array<{ image: string }> } } } | undefined;
    return spec?.template.spec.containers[0]?.image;
  };

  test('rolling back to an earlier deployment restores its objects and is marked as a rollback', async () => {
    const first = await api(e.app, 'POST', '/api/v1/applications/guestbook/deployments', { revision: v1 });
    assert.equal((await settled(e.app, first.body.id)).status, 'succeeded');
    assert.match((await image()) ?? '', /gb-frontend:v5$/);
    const second = await api(e.app, 'POST', '/api/v1/applications/guestbook/deployments', { revision: v2 });
    assert.equal((await settled(e.app, second.body.id)).status, 'succeeded');
    assert.match((await image()) ?? '', /gb-frontend:v6$/);

    const back = await api(e.app, 'POST', '/api/v1/applications/guestbook/rollback', { to: first.body.id });
    assert.equal(back.status, 202, JSON.stringify(back.body));
    assert.equal(back.body.trigger.type, 'rollback');
    assert.equal(back.body.trigger.rollbackOf, first.body.id);
    assert.equal(back.body.revision.sha, v1);
    const done = await settled(e.app, back.body.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.match((await image()) ?? '', /gb-frontend:v5$/);

    const audit = await listAuditEvents(e.db, { deploymentId: back.body.id, type: 'deployment.created' });
    const data = audit.items[0]?.data as { trigger?: string; rollbackOfId?: string };
    assert.equal(data.trigger, 'rollback');
    assert.equal(data.rollbackOfId, first.body.id);
  });

  test('rollback to a commit SHA resolves it; bad targets are refused with stable codes', async () => {
    const bySha = await api(e.app, 'POST', '/api/v1/applications/guestbook/rollback', {
      to: v2.slice(0, 12),
    });
    assert.equal(bySha.status, 202, JSON.stringify(bySha.body));
    assert.equal(bySha.body.revision.sha, v2);
    assert.equal((await settled(e.app, bySha.body.id)).status, 'succeeded');

    const otherDep = await api(e.app, 'POST', '/api/v1/applications/other/deployments', { revision: v1 });
    const foreign = await api(e.app, 'POST', '/api/v1/applications/guestbook/rollback', {
      to: otherDep.body.id,
    });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'not_found');
    const garbage = await api(e.app, 'POST', '/api/v1/applications/guestbook/rollback', { to: 'yesterday!' });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error.details.field, 'body.to');
    const unknownSha = await api(e.app, 'POST', '/api/v1/applications/guestbook/rollback', {
      to: 'deadbeefdeadbeef',
    });
    assert.equal(unknownSha.status, 422);
    assert.equal(unknownSha.body.error.code, 'ref_not_found');
  });
});
