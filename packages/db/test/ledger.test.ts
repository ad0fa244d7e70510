// Tokens, webhook deliveries, agents and reading the audit ledger.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TetherError } from '@tether/core';
import { verifyAuditChain } from '../src/audit.ts';
import { withTx } from '../src/client.ts';
import { AlreadyExistsError } from '../src/errors.ts';
import {
  createBootstrapToken,
  registerAgent,
  revokeAgent,
  verifyAgentCredential,
} from '../src/repos/agents.ts';
import { createApplication } from '../src/repos/applications.ts';
import { listAuditEvents } from '../src/repos/audit-events.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { getDelivery, recordDelivery } from '../src/repos/deliveries.ts';
import { createDeployment } from '../src/repos/deployments.ts';
import { createApiToken, revokeApiToken, touchApiToken, verifyApiToken } from '../src/repos/tokens.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
before(async () => {
  t = await openTestDb('ledger');
});
after(async () => {
  await t?.close();
});

test('api tokens: shown once, stored hashed, verified by plaintext', async () => {
  const { token, plaintext } = await createApiToken(
    t.db,
    { name: 'ci', scopes: ['deployments:write'] },
    SYSTEM,
  );
  assert.match(plaintext, /^tether_[A-Za-z0-9_-]{43}$/);
  assert.equal('tokenHash' in token, false);
  assert.ok(plaintext.startsWith(token.prefix));
  const row = await t.db.apiToken.findUnique({ where: { id: token.id } });
  assert.notEqual(row?.tokenHash, plaintext);
  const ledger = await t.db.auditEvent.findMany({ select: { data: true } });
  assert.ok(!JSON.stringify(ledger).includes(plaintext));

  const ok = await verifyApiToken(t.db, plaintext);
  assert.equal(ok?.id, token.id);
  assert.deepEqual(ok?.scopes, ['deployments:write']);
  assert.equal(await verifyApiToken(t.db, `${plaintext}x`), null);
  assert.equal(await verifyApiToken(t.db, 'not-a-token'), null);

  const now = new Date();
  await touchApiToken(t.db, token.id, now);
  await touchApiToken(t.db, token.id, new Date(now.getTime() + 1000));
  assert.equal(
    (await t.db.apiToken.findUnique({ where: { id: token.id } }))?.lastUsedAt?.getTime(),
    now.getTime(),
  );

  await revokeApiToken(t.db, token.id, SYSTEM);
  assert.equal(await verifyApiToken(t.db, plaintext), null);

  const short = await createApiToken(
    t.db,
    { name: 'short', scopes: [], expiresAt: new Date(Date.now() + 1000) },
    SYSTEM,
  );
  assert.ok(await verifyApiToken(t.db, short.plaintext));
  assert.equal(await verifyApiToken(t.db, short.plaintext, new Date(Date.now() + 2000)), null);
});

test('webhook deliveries: recorded once with the answer; a racing duplicate rolls back its work', async () => {
  await createCluster(t.db, { name: 'c1' }, SYSTEM);
  const app = await createApplication(
    t.db,
    {
      name: 'hooked',
      repoUrl: 'https://github.com/acme/hooked',
      path: '.',
      targetRevision: 'main',
      automated: true,
      destinations: [{ cluster: 'c1', namespace: 'h' }],
    },
    SYSTEM,
  );
  const ctx = { actor: { type: 'webhook', name: 'octocat' }, deliveryId: 'gh-1' } as const;
  // What the webhook handler does: record first, then deploy, in one transaction.
  const handle = () =>
    withTx(t.db, async (tx) => {
      await recordDelivery(
        tx,
        {
          deliveryId: 'gh-1',
          event: 'push',
          status: 'accepted',
          repository: 'acme/hooked',
          response: { status: 202 },
        },
        ctx,
      );
      return createDeployment(
        tx,
        { applicationId: app.id, revision: 'main', sha: 'c'.repeat(40), trigger: 'webhook' },
        ctx,
      );
    });
  const results = await Promise.allSettled([handle(), handle(), handle()]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof AlreadyExistsError);
  }
  assert.equal(await t.db.deployment.count({ where: { deliveryId: 'gh-1' } }), 1);
  assert.equal(await t.db.auditEvent.count({ where: { deliveryId: 'gh-1', type: 'delivery.received' } }), 1);
  const stored = await getDelivery(t.db, 'gh-1');
  assert.deepEqual(stored?.response, { status: 202 });
  assert.equal(await getDelivery(t.db, 'gh-unknown'), null);
});

test('agents: a bootstrap token is spent once for a credential; revocation ends it', async () => {
  const cluster = await createCluster(t.db, { name: 'edge', mode: 'pull' }, SYSTEM);
  const { plaintext } = await createBootstrapToken(t.db, cluster.id, { ttlMs: 60_000 }, SYSTEM);
  const { agent, credential } = await registerAgent(t.db, plaintext, { version: '0.1.0' });
  assert.equal(agent.clusterId, cluster.id);
  assert.equal((await verifyAgentCredential(t.db, credential))?.id, agent.id);
  await assert.rejects(registerAgent(t.db, plaintext), (err: unknown) => {
    assert.ok(err instanceof TetherError);
    assert.equal(err.code, 'unauthorized');
    return true;
  });
  const expired = await createBootstrapToken(t.db, cluster.id, { ttlMs: -1 }, SYSTEM);
  await assert.rejects(registerAgent(t.db, expired.plaintext), TetherError);
  await revokeAgent(t.db, agent.id, SYSTEM);
  assert.equal(await verifyAgentCredential(t.db, credential), null);
});

test('audit list: filters and a seq cursor, newest first', async () => {
  const app = await t.db.application.findFirstOrThrow({ where: { name: 'hooked' } });
  const byApp = await listAuditEvents(t.db, { applicationId: app.id, limit: 200 });
  assert.ok(byApp.items.length >= 3);
  assert.ok(byApp.items.every((e) => e.applicationId === app.id));
  const seqs: bigint[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(t.db, {
      limit: 4,
      cursor,
    });
    seqs.push(...page.items.map((e) => e.seq));
    cursor = page.nextCursor;
  } while (cursor !== null);
  const total = await t.db.auditEvent.count();
  assert.equal(seqs.length, total);
  assert.deepEqual(
    seqs,
    Array.from({ length: total }, (_, i) => BigInt(total - i)),
  );
  const pushes = await listAuditEvents(t.db, { type: 'delivery.received' });
  assert.equal(pushes.items.length, 1);
  assert.equal((await listAuditEvents(t.db, { since: new Date(Date.now() + 60_000) })).items.length, 0);
  await assert.rejects(listAuditEvents(t.db, { cursor: 'abc' }), TetherError);
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});
