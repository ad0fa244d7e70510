import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain } from '@tether/db';
import { createTestRepo, type TestRepo } from '@tether/testing/git';
import { auth, CORPUS, type Harness, startHarness } from './harness.ts';

describe('REST API', () => {
  let h: Harness;
  let repo: TestRepo;
  let sha: string;

  before(async () => {
    h = await startHarness();
    repo = await createTestRepo();
    await repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
    sha = await repo.commit('guestbook');
    await repo.tag('v1.0.0');
  });
  after(async () => {
    await h.close();
    await repo.delete();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    h.app.inject({ method: 'POST', url, headers, payload: payload as object });

  test('every /api/v1 route needs a valid bearer token', async () => {
    const none = await h.app.inject({ url: '/api/v1/clusters' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'unauthorized');
    assert.match(none.json().error.requestId, /^req_/);
    const wrong = await h.app.inject({ url: '/api/v1/clusters', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
  });

  test('clusters: create, list, get, delete; credentials never come back', async () => {
    const created = await post('/api/v1/clusters', {
      name: 'east',
      mode: 'push',
      server: 'https://10.0.0.1:6443',
      token: 'very-secret-token',
      caData: 'Q0E=',
    });
    assert.equal(created.statusCode, 201, created.body);
    const c = created.json();
    assert.deepEqual(Object.keys(c).sort(), ['createdAt', 'id', 'mode', 'name', 'server']);
    assert.match(c.id, /^clu_/);
    const list = await h.app.inject({ url: '/api/v1/clusters', headers: auth });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().items.some((x: { name: string }) => x.name === 'east'));
    assert.ok(!list.body.includes('very-secret-token'));
    assert.equal(list.json().nextCursor, null);
    const got = await h.app.inject({ url: '/api/v1/clusters/east', headers: auth });
    assert.equal(got.json().server, 'https://10.0.0.1:6443');
    const dup = await post('/api/v1/clusters', { name: 'east', mode: 'push', server: 'https://x' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'already_exists');
    const del = await h.app.inject({ method: 'DELETE', url: '/api/v1/clusters/east', headers: auth });
    assert.equal(del.statusCode, 200);
    const gone = await h.app.inject({ url: '/api/v1/clusters/east', headers: auth });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, 'not_found');
  });

  test('invalid input is 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'Bad_Name', mode: 'push', server: 'https://x' }, 'body.name'],
      [{ name: 'ok', mode: 'sideways' }, 'body.mode'],
      [{ mode: 'push' }, 'body.name'],
      [{ name: 'ok', mode: 'push', server: 'https://x', extra: 1 }, 'body.extra'],
      [{ name: 'ok', mode: 'push' }, 'body.server'],
    ];
    for (const [payload, field] of cases) {
      const res = await post('/api/v1/clusters', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.code, 'invalid_request');
      assert.equal(res.json().error.details.field, field, JSON.stringify(res.json()));
    }
    const notJson = await h.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{nope',
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.code, 'invalid_request');
    const unknownRoute = await h.app.inject({ url: '/api/v1/nothing-here', headers: auth });
    assert.equal(unknownRoute.statusCode, 404);
    assert.equal(unknownRoute.json().error.code, 'not_found');
  });

  test('applications: create, get, patch, list, delete', async () => {
    assert.equal(
      (await post('/api/v1/clusters', { name: 'west', mode: 'push', server: 'https://w' })).statusCode,
      201,
    );
    const app = {
      name: 'shop',
      repoUrl: `${repo.url}`,
      path: 'guestbook',
      targetRevision: 'main',
      destinations: [{ cluster: 'west', namespace: 'shop' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    };
    const created = await post('/api/v1/applications', app);
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().destinations, [{ cluster: 'west', namespace: 'shop' }]);
    assert.equal(created.json().syncPolicy.prune, true);
    const missingCluster = await post('/api/v1/applications', {
      ...app,
      name: 'other',
      destinations: [{ cluster: 'nowhere', namespace: 'x' }],
    });
    assert.equal(missingCluster.statusCode, 404);
    const badPath = await post('/api/v1/applications', { ...app, name: 'other', path: '../etc' });
    assert.equal(badPath.statusCode, 400);
    assert.equal(badPath.json().error.details.field, 'body.path');
    const patched = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/applications/shop',
      headers: auth,
      payload: { targetRevision: 'v1.0.0', syncPolicy: { selfHeal: true } },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().targetRevision, 'v1.0.0');
    assert.deepEqual(patched.json().syncPolicy, {
      automated: true,
      prune: true,
      selfHeal: true,
      createNamespace: false,
    });
    const emptyPatch = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/applications/shop',
      headers: auth,
      payload: {},
    });
    assert.equal(emptyPatch.statusCode, 400);
    const list = await h.app.inject({ url: '/api/v1/applications', headers: auth });
    assert.deepEqual(
      list.json().items.map((a: { name: string }) => a.name),
      ['shop'],
    );
  });

  test('deploy over REST resolves the revision, queues targets, and is listed', async () => {
    const res = await post('/api/v1/applications/shop/deployments', {});
    assert.equal(res.statusCode, 202, res.body);
    const d = res.json();
    assert.deepEqual(d.revision, { ref: 'v1.0.0', sha });
    assert.equal(d.trigger.type, 'api');
    assert.equal(d.trigger.actor, 'admin');
    assert.equal(d.status, 'queued');
    assert.deepEqual(
      d.targets.map((t: { cluster: string; mode: string; status: string }) => [t.cluster, t.mode, t.status]),
      [['west', 'push', 'queued']],
    );
    const bySha = await post('/api/v1/applications/shop/deployments', { revision: sha.slice(0, 10) });
    assert.equal(bySha.statusCode, 202, bySha.body);
    assert.equal(bySha.json().revision.sha, sha);
    const missing = await post('/api/v1/applications/shop/deployments', { revision: 'no-such-branch' });
    assert.equal(missing.statusCode, 422);
    assert.equal(missing.json().error.code, 'ref_not_found');

    const list = await h.app.inject({ url: '/api/v1/deployments?application=shop&limit=1', headers: auth });
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().items.length, 1);
    assert.ok(list.json().nextCursor);
    const next = await h.app.inject({
      url: `/api/v1/deployments?application=shop&limit=1&cursor=${list.json().nextCursor}`,
      headers: auth,
    });
    assert.equal(next.json().items.length, 1);
    assert.notEqual(next.json().items[0].id, list.json().items[0].id);
    // The second deployment superseded the first's waiting target (latest wins).
    const first = await h.app.inject({ url: `/api/v1/deployments/${d.id}`, headers: auth });
    assert.equal(first.json().targets[0].status, 'superseded');
    const badStatus = await h.app.inject({ url: '/api/v1/deployments?status=bogus', headers: auth });
    assert.equal(badStatus.statusCode, 400);
    const unknown = await h.app.inject({
      url: '/api/v1/deployments/dep_000000000000000000000000',
      headers: auth,
    });
    assert.equal(unknown.statusCode, 404);
  });

  test('the audit ledger lists every change with its actor and request id, and verifies', async () => {
    const res = await h.app.inject({ url: '/api/v1/audit?application=shop&limit=200', headers: auth });
    assert.equal(res.statusCode, 200);
    const types = res.json().items.map((e: { type: string }) => e.type);
    for (const t of [
      'application.created',
      'application.updated',
      'deployment.created',
      'target.queued',
      'target.superseded',
    ]) {
      assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
    }
    for (const e of res.json().items) {
      assert.equal(e.actor.name, 'admin');
      assert.match(e.requestId, /^req_/);
      assert.match(e.hash, /^[0-9a-f]{64}$/);
    }
    const clusterEvents = await h.app.inject({ url: '/api/v1/audit?cluster=west', headers: auth });
    assert.ok(
      clusterEvents
        .json()
        .items.every((e: { clusterId: string }) => e.clusterId === clusterEvents.json().items[0].clusterId),
    );
    const report = await verifyAuditChain(h.db);
    assert.equal(report.ok, true);
    const since = await h.app.inject({ url: '/api/v1/audit?since=not-a-date', headers: auth });
    assert.equal(since.statusCode, 400);
  });

  test('OpenAPI is served and documents the contract', async () => {
    const res = await h.app.inject({ url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi.startsWith('3.'), true);
    for (const p of [
      '/api/v1/clusters',
      '/api/v1/applications/{name}/deployments',
      '/api/v1/deployments/{id}',
      '/api/v1/audit',
      '/webhooks/github',
    ]) {
      assert.ok(doc.paths[p], `${p} documented`);
    }
    const ui = await h.app.inject({ url: '/docs/' });
    assert.equal(ui.statusCode, 200);
  });

  test('healthz and readyz', async () => {
    assert.equal((await h.app.inject({ url: '/healthz' })).statusCode, 200);
    const ready = await h.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().checks.postgres.status, 'ok');
  });
});
