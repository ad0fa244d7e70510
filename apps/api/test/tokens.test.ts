import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listAuditEvents } from '@tether/db';
import { auth, type Harness, startHarness } from './harness.ts';

describe('API tokens', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  test('a created token works, is named in the audit ledger, and stops working once revoked', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'ci-bot' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id, token, prefix } = created.json();
    assert.match(token, /^tether_/);
    assert.ok(token.startsWith(prefix));
    const bot = { authorization: `Bearer ${token}` };
    const made = await h.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: bot,
      payload: { name: 'bot-made', mode: 'push', server: 'https://127.0.0.1:1' },
    });
    assert.equal(made.statusCode, 201, made.body);
    const events = await listAuditEvents(h.db, { type: 'cluster.created' });
    assert.equal(events.items[0]?.actorName, 'ci-bot');

    const list = await h.app.inject({ url: '/api/v1/tokens', headers: auth });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(token), 'the token itself is never listed');
    assert.equal(list.json().items[0].name, 'ci-bot');

    const revoked = await h.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: auth });
    assert.equal(revoked.statusCode, 200);
    assert.ok(revoked.json().revokedAt);
    const refused = await h.app.inject({ url: '/api/v1/clusters', headers: bot });
    assert.equal(refused.statusCode, 401);
  });

  test('an expired token is refused; bad input is 400', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'old', expiresAt: past },
    });
    assert.equal(created.statusCode, 201);
    const res = await h.app.inject({
      url: '/api/v1/clusters',
      headers: { authorization: `Bearer ${created.json().token}` },
    });
    assert.equal(res.statusCode, 401);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'Not Valid' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.details.field, 'body.name');
    const unknown = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/tokens/tok_000000000000000000000000',
      headers: auth,
    });
    assert.equal(unknown.statusCode, 404);
  });
});
