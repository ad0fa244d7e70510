import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApplication, createCluster, getDelivery, listDeployments } from '@tether/db';
import { createTestRepo, type TestRepo } from '@tether/testing/git';
import { auth, CORPUS, deliver, type Harness, pushPayload, startHarness } from './harness.ts';

const admin = { actor: { type: 'token' as const, name: 'test' } };

describe('when a backing service is down', () => {
  let repo: TestRepo;
  let head: string;
  before(async () => {
    repo = await createTestRepo();
    await repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    head = await repo.commit('guestbook');
  });
  after(async () => repo.delete());

  async function seed(h: Harness): Promise<void> {
    await createCluster(h.db, { name: 'c1', mode: 'push', server: 'https://127.0.0.1:1' }, admin);
    await createApplication(
      h.db,
      {
        name: 'gb',
        repoUrl: repo.url,
        path: 'guestbook',
        targetRevision: 'main',
        automated: true,
        destinations: [{ cluster: 'c1', namespace: 'gb' }],
      },
      admin,
    );
  }

  test('Redis down: the webhook answers 503 and leaves no delivery or deployment behind', async () => {
    const h = await startHarness({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      await seed(h);
      const res = await deliver(h.app, 'push', await pushPayload(repo.url, head, '0'.repeat(40)), {
        id: 'while-redis-down',
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'unavailable');
      assert.equal((await listDeployments(h.db, {})).items.length, 0);
      assert.equal(await getDelivery(h.db, 'while-redis-down'), null);
      const api = await h.app.inject({
        method: 'POST',
        url: '/api/v1/applications/gb/deployments',
        headers: auth,
        payload: {},
      });
      assert.equal(api.statusCode, 503);
      assert.equal((await listDeployments(h.db, {})).items.length, 0);
    } finally {
      await h.close();
    }
  });

  test('Postgres down: 503 with the error envelope, and readyz says so', async () => {
    const h = await startHarness({ appDatabaseUrl: 'postgresql://postgres@127.0.0.1:1/nowhere' });
    try {
      const res = await deliver(h.app, 'push', await pushPayload(repo.url, head, '0'.repeat(40)));
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'unavailable');
      const list = await h.app.inject({ url: '/api/v1/clusters', headers: auth });
      assert.equal(list.statusCode, 503);
      const ready = await h.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().checks.postgres.status, 'fail');
    } finally {
      await h.close();
    }
  });
});
