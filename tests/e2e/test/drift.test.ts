import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { listAuditEvents } from '@tether/db';
import { api, CORPUS, type E2E, SIM_TOKEN, settled, startE2E } from './env.ts';

const run = promisify(execFile);

describe('drift and self-heal', () => {
  let e: E2E;
  let dir: string;
  let kubeconfig: string;
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });

  before(async () => {
    e = await startE2E();
    dir = await mkdtemp(join(tmpdir(), 'tether-drift-'));
    kubeconfig = e.sim.writeKubeconfig(join(dir, 'kubeconfig'));
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    await e.repo.commit('guestbook');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    for (const [name, selfHeal] of [
      ['watched', false],
      ['healed', true],
    ] as const) {
      await api(e.app, 'POST', '/api/v1/applications', {
        name,
        repoUrl: e.repoUrl,
        path: 'guestbook',
        targetRevision: 'main',
        destinations: [{ cluster: 'sim', namespace: name }],
        syncPolicy: { createNamespace: true, selfHeal },
      });
      const dep = await api(e.app, 'POST', `/api/v1/applications/${name}/deployments`, {});
      assert.equal((await settled(e.app, dep.body.id)).status, 'succeeded');
    }
  });
  after(async () => {
    await e.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function statusOf(name: string) {
    const res = await api(e.app, 'GET', `/api/v1/applications/${name}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.status[0];
  }

  async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + 60_000;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      assert.ok(Date.now() < until, `timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('a synced application reports its last applied revision and health', async () => {
    await e.worker.resync();
    const s = await waitFor('a first check', async () => {
      const st = await statusOf('watched');
      return st.checkedAt ? st : undefined;
    });
    assert.equal(s.sync, 'synced');
    assert.equal(s.health, 'healthy');
    assert.equal(s.drift, null);
    assert.match(s.lastApplied.sha, /^[0-9a-f]{40}$/);
    assert.equal(s.running, null);
  });

  test('a change made with kubectl is detected as drift, recorded, and not reverted without selfHeal', async () => {
    await kubectl('scale', 'deployment/guestbook-ui', '--replicas=4', '-n', 'watched');
    await e.worker.resync();
    const s = await waitFor('drift on watched', async () => {
      const st = await statusOf('watched');
      return st.drift ? st : undefined;
    });
    assert.equal(s.sync, 'out-of-sync');
    const obj = s.drift.objects[0];
    assert.equal(obj.kind, 'Deployment');
    assert.equal(obj.name, 'guestbook-ui');
    assert.ok(
      obj.changes.some((c: { path: string }) => c.path.includes('replicas')),
      JSON.stringify(obj),
    );
    const app = await api(e.app, 'GET', '/api/v1/applications/watched');
    const events = await listAuditEvents(e.db, {
      applicationId: app.body.id,
      type: 'application.drift_detected',
    });
    assert.equal(events.items.length, 1);
    const { stdout } = await kubectl(
      'get',
      'deployment/guestbook-ui',
      '-n',
      'watched',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    assert.equal(stdout.trim(), '4', 'without selfHeal the change stays');
  });

  test('with selfHeal the desired state is re-applied, recorded as a self-heal deployment', async () => {
    await kubectl('scale', 'deployment/guestbook-ui', '--replicas=7', '-n', 'healed');
    await e.worker.resync();
    const heal = await waitFor('a self-heal deployment', async () => {
      const list = await api(e.app, 'GET', '/api/v1/deployments?application=healed');
      return list.body.items.find((d: { trigger: { type: string } }) => d.trigger.type === 'selfheal');
    });
    assert.equal((await settled(e.app, heal.id)).status, 'succeeded');
    const { stdout } = await kubectl(
      'get',
      'deployment/guestbook-ui',
      '-n',
      'healed',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    assert.equal(stdout.trim(), '1');
    // The next check finds the cluster back in line and says so.
    await e.worker.resync();
    const s = await waitFor('drift resolved', async () => {
      const st = await statusOf('healed');
      return st.drift === null && st.lastApplied.deploymentId === heal.id ? st : undefined;
    });
    assert.equal(s.sync, 'synced');
  });
});
