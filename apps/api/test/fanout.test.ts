import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deliver, type Harness, pushPayload, startHarness } from './harness.ts';
import { type Monorepo, seedMonorepo, touch } from './monorepo.ts';

describe('path-aware fan-out in a monorepo', () => {
  let h: Harness;
  let m: Monorepo;
  before(async () => {
    h = await startHarness();
    m = await seedMonorepo(h.db, 120);
  });
  after(async () => {
    await h.close();
    await m.repo.delete();
  });

  const apps = (res: { json(): { deployments: Array<{ application: string }> } }) =>
    res
      .json()
      .deployments.map((d) => d.application)
      .sort();

  test('one commit deploys only the applications whose path it touched (file lists from the payload)', async () => {
    const touched = ['svc-007', 'svc-042', 'svc-119'];
    const sha = await touch(m, touched, '2');
    const files = touched.map((n) => `apps/${n}/config.yaml`).concat('README.md');
    const res = await deliver(h.app, 'push', await pushPayload(m.repo.url, sha, m.base, files));
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(apps(res), touched);
    m.base = sha;
  });

  test('when the payload cannot tell (no file lists), the changed paths come from Git', async () => {
    const touched = ['svc-001', 'svc-100'];
    const sha = await touch(m, touched, '3');
    const res = await deliver(h.app, 'push', await pushPayload(m.repo.url, sha, m.base, []));
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(apps(res), touched);
    m.base = sha;
  });

  test('a push touching no application path deploys nothing and says so', async () => {
    await m.repo.write('README.md', '# changed\n');
    const sha = await m.repo.commit('docs only');
    const res = await deliver(h.app, 'push', await pushPayload(m.repo.url, sha, m.base, ['README.md']));
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().ignored, 'no_application_path_changed');
    m.base = sha;
  });

  test('a new branch (no before) deploys every application that follows it', async () => {
    const res = await deliver(h.app, 'push', await pushPayload(m.repo.url, m.base, '0'.repeat(40), []));
    assert.equal(res.json().deployments.length, 120);
  });
});
