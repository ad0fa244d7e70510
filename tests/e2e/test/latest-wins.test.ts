import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { api, CORPUS, type E2E, pushWebhook, SIM_TOKEN, settled, startE2E } from './env.ts';

describe('latest wins', () => {
  let e: E2E;
  before(async () => {
    e = await startE2E({ startWorker: false });
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    await e.repo.commit('guestbook');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    await api(e.app, 'POST', '/api/v1/applications', {
      name: 'guestbook',
      repoUrl: e.repoUrl,
      path: 'guestbook',
      targetRevision: 'main',
      destinations: [{ cluster: 'sim', namespace: 'guestbook' }],
      syncPolicy: { automated: true, createNamespace: true },
    });
  });
  after(async () => e.close());

  test('five pushes in quick succession: only the last is applied, the others are superseded', async () => {
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    const file = 'guestbook/guestbook-ui-deployment.yaml';
    let prev = await e.repo.head();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      await e.repo.write(file, manifest.replace('replicas: 1', `replicas: ${i}`));
      const sha = await e.repo.commit(`replicas ${i}`);
      const res = await pushWebhook(e.app, e.repoUrl, sha, prev, { files: [file] });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ids.push(res.body.deployments[0].id);
      prev = sha;
    }
    await e.worker.start();
    const final = await Promise.all(ids.map((id) => settled(e.app, id)));
    assert.deepEqual(
      final.map((d) => d.status),
      ['superseded', 'superseded', 'superseded', 'superseded', 'succeeded'],
    );
    for (const d of final.slice(0, 4))
      assert.equal(d.targets[0].attempts, 0, 'a superseded target never ran');
    const ui = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.equal((ui?.spec as { replicas: number } | undefined)?.replicas, 5);
  });

  test('pushes while an apply runs: never two at once, and the newest ends applied', async () => {
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    const file = 'guestbook/guestbook-ui-deployment.yaml';
    let prev = await e.repo.head();
    const ids: string[] = [];
    for (let i = 6; i <= 9; i++) {
      await e.repo.write(file, manifest.replace('replicas: 1', `replicas: ${i}`));
      const sha = await e.repo.commit(`replicas ${i}`);
      const res = await pushWebhook(e.app, e.repoUrl, sha, prev, { files: [file] });
      ids.push(res.body.deployments[0].id);
      prev = sha;
    }
    const final = await Promise.all(ids.map((id) => settled(e.app, id)));
    const last = final[final.length - 1];
    assert.equal(last?.status, 'succeeded');
    for (const d of final.slice(0, -1)) assert.ok(['succeeded', 'superseded'].includes(d.status), d.status);
    // Runs of the same application on the same cluster never overlap in time.
    const runs = final
      .map((d) => d.targets[0])
      .filter((t) => t.startedAt && t.finishedAt)
      .map((t) => [Date.parse(t.startedAt), Date.parse(t.finishedAt)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < runs.length; i++) {
      assert.ok(
        (runs[i]?.[0] ?? 0) >= (runs[i - 1]?.[1] ?? 0),
        `run ${i} started before run ${i - 1} finished`,
      );
    }
    const ui = await e.kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook-ui',
    });
    assert.equal((ui?.spec as { replicas: number } | undefined)?.replicas, 9);
  });
});
