import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents, listDeployments } from '@tether/db';
import { laneFor } from '@tether/queue';
import { createTestRepo, type TestRepo } from '@tether/testing/git';
import {
  auth,
  CORPUS,
  corpusPayload,
  deliver,
  type Harness,
  pushPayload,
  sign,
  startHarness,
} from './harness.ts';

describe('POST /webhooks/github', () => {
  let h: Harness;
  let repo: TestRepo;
  let first: string;
  let head: string;
  let clusterId: string;

  before(async () => {
    h = await startHarness();
    repo = await createTestRepo();
    await repo.copyDir(`${CORPUS}/manifests/guestbook`, 'apps/guestbook');
    await repo.copyDir(`${CORPUS}/manifests/sock-shop`, 'apps/sock-shop');
    first = await repo.commit('initial');
    await repo.write(
      'apps/guestbook/extra-cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n',
    );
    head = await repo.commit('guestbook: add a config map');
    const c = await h.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: auth,
      payload: { name: 'prod', mode: 'push', server: 'https://127.0.0.1:6443' },
    });
    assert.equal(c.statusCode, 201, c.body);
    clusterId = c.json().id;
    for (const [name, path] of [
      ['guestbook', 'apps/guestbook'],
      ['sock-shop', 'apps/sock-shop'],
    ]) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/applications',
        headers: auth,
        payload: {
          name,
          repoUrl: repo.url,
          path,
          targetRevision: 'main',
          destinations: [{ cluster: 'prod', namespace: name }],
          syncPolicy: { automated: true, prune: false, selfHeal: false },
        },
      });
      assert.equal(r.statusCode, 201, r.body);
    }
  });

  after(async () => {
    await h.close();
    await repo.delete();
  });

  test('ping answers 200', async () => {
    const res = await deliver(h.app, 'ping', await corpusPayload('ping'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().deployments, []);
  });

  test('a push deploys only the applications whose path it touched, durably queued, and audited', async () => {
    const payload = await pushPayload(repo.url, head, first, ['apps/guestbook/extra-cm.yaml']);
    const res = await deliver(h.app, 'push', payload, { id: 'delivery-push-1' });
    assert.equal(res.statusCode, 202, res.body);
    const body = res.json();
    assert.equal(body.deliveryId, 'delivery-push-1');
    assert.deepEqual(
      body.deployments.map((d: { application: string }) => d.application),
      ['guestbook'],
    );
    const depId = body.deployments[0].id as string;
    const dep = await h.app.inject({ url: `/api/v1/deployments/${depId}`, headers: auth });
    assert.equal(dep.statusCode, 200);
    const d = dep.json();
    assert.deepEqual(d.revision, { ref: 'main', sha: head });
    assert.equal(d.trigger.type, 'webhook');
    assert.equal(d.trigger.actor, 'Codertocat');
    assert.equal(d.trigger.deliveryId, 'delivery-push-1');
    assert.equal(d.targets.length, 1);
    assert.equal(d.targets[0].cluster, 'prod');
    assert.equal(d.targets[0].status, 'queued');

    const target = (await listDeployments(h.db, {})).items.find((x) => x.id === depId)?.targets[0];
    assert.ok(target);
    const job = await h.inspector.getJob(laneFor({ mode: 'push', clusterId }), target.id);
    assert.ok(job, 'the job is in Redis when the 202 is sent');
    assert.equal((job.data as { sha: string }).sha, head);

    const events = await listAuditEvents(h.db, { deliveryId: 'delivery-push-1' });
    const types = events.items.map((e) => e.type).reverse();
    assert.deepEqual(types, ['delivery.received', 'deployment.created', 'target.queued']);
  });

  test('redelivery gets the same answer and creates nothing', async () => {
    const payload = await pushPayload(repo.url, head, first, ['apps/sock-shop/base/carts-dep.yaml']);
    const a = await deliver(h.app, 'push', payload, { id: 'delivery-redo' });
    const before = (await listDeployments(h.db, { limit: 200 })).items.length;
    const b = await deliver(h.app, 'push', payload, { id: 'delivery-redo' });
    const again = await Promise.all(
      [1, 2, 3].map(() => deliver(h.app, 'push', payload, { id: 'delivery-redo' })),
    );
    assert.equal(a.statusCode, 202);
    assert.equal(b.statusCode, 202);
    assert.deepEqual(b.json(), a.json());
    for (const r of again) assert.deepEqual(r.json(), a.json());
    assert.equal((await listDeployments(h.db, { limit: 200 })).items.length, before);
  });

  test('a wrong or missing signature is 401 and recorded', async () => {
    const payload = await pushPayload(repo.url, head, first, ['apps/guestbook/extra-cm.yaml']);
    const wrong = await deliver(h.app, 'push', payload, { id: 'delivery-bad', secret: 'not-the-secret' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'unauthorized');
    assert.ok(wrong.json().error.requestId);
    const missing = await deliver(h.app, 'push', payload, { id: 'delivery-nosig', signature: null });
    assert.equal(missing.statusCode, 401);
    const rejected = await listAuditEvents(h.db, { type: 'delivery.rejected' });
    const ids = rejected.items.map((e) => e.deliveryId);
    assert.ok(ids.includes('delivery-bad') && ids.includes('delivery-nosig'));
    const deps = await listDeployments(h.db, { limit: 200 });
    assert.ok(!deps.items.some((d) => d.deliveryId === 'delivery-bad' || d.deliveryId === 'delivery-nosig'));
  });

  test('a signature over other bytes than those sent is refused', async () => {
    const payload = await pushPayload(repo.url, head, first, ['apps/guestbook/extra-cm.yaml']);
    const body = JSON.stringify(payload);
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-reformatted',
        'x-hub-signature-256': sign(JSON.stringify(payload, null, 2)),
      },
      payload: body,
    });
    assert.equal(res.statusCode, 401);
  });

  test('branch deletion, untracked tags, unknown repositories and other events create nothing', async () => {
    const deleted = await pushPayload(repo.url, '0'.repeat(40), head);
    deleted.deleted = true;
    const tag = await pushPayload(repo.url, head, '0'.repeat(40));
    tag.ref = 'refs/tags/v9.9.9';
    const unknown = await pushPayload('https://github.com/someone/else.git', head, first, ['x']);
    const answers = [
      await deliver(h.app, 'push', deleted),
      await deliver(h.app, 'push', tag),
      await deliver(h.app, 'push', unknown),
      await deliver(h.app, 'pull_request', await corpusPayload('pull_request', 'opened.payload.json')),
    ];
    assert.deepEqual(
      answers.map((a) => [a.statusCode, a.json().ignored]),
      [
        [202, 'ref_deleted'],
        [202, 'no_matching_application'],
        [202, 'no_matching_application'],
        [202, 'unsupported_event: pull_request'],
      ],
    );
    for (const a of answers) assert.deepEqual(a.json().deployments, []);
  });

  test('a push whose payload lists no files is fanned out from Git', async () => {
    const payload = await pushPayload(repo.url, head, first, []);
    const res = await deliver(h.app, 'push', payload);
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(
      res.json().deployments.map((d: { application: string }) => d.application),
      ['guestbook'],
    );
  });

  test('malformed bodies and missing headers are 400 with a stable code', async () => {
    const noEvent = await h.app.inject({
      method: 'POST',
      url: '/webhooks/github',
      headers: { 'content-type': 'application/json', 'x-github-delivery': 'x' },
      payload: '{}',
    });
    assert.equal(noEvent.statusCode, 400);
    assert.equal(noEvent.json().error.code, 'invalid_request');
    const raw = '{"ref": ';
    const badJson = await h.app.inject({
      method: 'POST',
      url: '/webhooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'bad-json',
        'x-hub-signature-256': sign(raw),
      },
      payload: raw,
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, 'invalid_request');
    const noAfter = await pushPayload(repo.url, head, first);
    delete noAfter.after;
    const res = await deliver(h.app, 'push', noAfter);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.details.field, 'after');
  });

  test('a per-application secret authenticates deliveries for that application only', async () => {
    const patched = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/applications/sock-shop',
      headers: auth,
      payload: { webhookSecret: 'sock-shop-own-secret' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const payload = await pushPayload(repo.url, head, first, [
      'apps/sock-shop/base/carts-dep.yaml',
      'apps/guestbook/x.yaml',
    ]);
    const own = await deliver(h.app, 'push', payload, { secret: 'sock-shop-own-secret' });
    assert.equal(own.statusCode, 202, own.body);
    assert.deepEqual(
      own.json().deployments.map((d: { application: string }) => d.application),
      ['sock-shop'],
    );
    const global = await deliver(h.app, 'push', payload);
    assert.deepEqual(
      global.json().deployments.map((d: { application: string }) => d.application),
      ['guestbook'],
    );
  });
});
