import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBootstrapToken, getClusterByName } from '@tether/db';
import {
  admin,
  agent,
  auditEvents,
  call,
  type PullEnv,
  registerWith,
  startPullEnv,
} from './agent-helpers.ts';

describe('pull clusters: bootstrap, registration, identity, revocation', () => {
  let env: PullEnv;
  before(async () => {
    env = await startPullEnv();
  });
  after(async () => {
    await env.close();
  });

  test('a pull cluster answers a one-time bootstrap token that GET never shows again', async () => {
    const created = await admin(env, 'POST', '/clusters', { name: 'edge', mode: 'pull' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { bootstrapToken, bootstrapTokenExpiresAt } = created.body;
    assert.match(bootstrapToken, /^tether_boot_/);
    const ttl = Date.parse(bootstrapTokenExpiresAt) - Date.now();
    assert.ok(ttl > 59 * 60_000 && ttl <= 3600_000, `expires in about an hour (${ttl} ms)`);
    assert.equal(created.body.server, null);

    const got = await admin(env, 'GET', '/clusters/edge');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.agents, []);
    assert.ok(!got.bytes.toString().includes(bootstrapToken));
    assert.equal(got.body.bootstrapToken, undefined);
    const list = await admin(env, 'GET', '/clusters');
    assert.ok(!list.bytes.toString().includes(bootstrapToken));
    // Stored hashed only.
    const rows = await env.h.db.bootstrapToken.findMany({ select: { tokenHash: true } });
    assert.ok(rows.every((r) => r.tokenHash !== bootstrapToken && /^[0-9a-f]{64}$/.test(r.tokenHash)));

    const push = await admin(env, 'POST', '/clusters', { name: 'dc', mode: 'push', server: 'https://k' });
    assert.equal(push.body.bootstrapToken, undefined, 'push clusters get none');
  });

  test('register trades the token for a credential once; a spent, wrong or expired token is 401', async () => {
    const issued = await admin(env, 'POST', '/clusters/edge/bootstrap-tokens');
    assert.equal(issued.status, 201);
    assert.equal(issued.body.cluster, 'edge');
    const token = issued.body.bootstrapToken as string;

    const reg = await call(env.url, 'POST', '/agent/v1/register', {
      body: { bootstrapToken: token, version: '1.2.3' },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const cluster = await getClusterByName(env.h.db, 'edge');
    assert.equal(reg.body.clusterId, cluster.id);
    assert.equal(reg.body.cluster, 'edge');
    assert.match(reg.body.agentId, /^agt_/);
    assert.match(reg.body.credential, /^tether_agent_/);
    assert.match(reg.body.signingPublicKey, /BEGIN PUBLIC KEY/);
    assert.equal(reg.body.leaseTtlSeconds, 30);
    assert.equal(reg.body.heartbeatIntervalSeconds, 10);
    const stored = await env.h.db.agent.findUniqueOrThrow({ where: { id: reg.body.agentId } });
    assert.notEqual(stored.credentialHash, reg.body.credential, 'only the hash is stored');

    const again = await call(env.url, 'POST', '/agent/v1/register', { body: { bootstrapToken: token } });
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'unauthorized');
    const wrong = await call(env.url, 'POST', '/agent/v1/register', {
      body: { bootstrapToken: 'tether_boot_nope' },
    });
    assert.equal(wrong.status, 401);

    const expired = await createBootstrapToken(
      env.h.db,
      cluster.id,
      { ttlMs: -1_000 },
      { actor: { type: 'system', name: 'test' } },
    );
    const late = await call(env.url, 'POST', '/agent/v1/register', {
      body: { bootstrapToken: expired.plaintext },
    });
    assert.equal(late.status, 401);
    assert.equal(late.body.error.code, 'unauthorized');

    const first = await agent(env, reg.body.credential, 'claim', { wait: 0 });
    assert.equal(first.status, 204, 'the credential works');
    const none = await call(env.url, 'POST', '/agent/v1/claim', { body: { wait: 0 } });
    assert.equal(none.status, 401);
    const bogus = await agent(env, 'tether_agent_bogus', 'claim', { wait: 0 });
    assert.equal(bogus.status, 401);
  });

  test('GET cluster shows agents with version, connected and lastSeenAt', async () => {
    const got = await admin(env, 'GET', '/clusters/edge');
    assert.equal(got.body.agents.length, 1);
    const [a] = got.body.agents;
    assert.equal(a.version, '1.2.3');
    assert.equal(a.connected, true);
    assert.ok(Date.now() - Date.parse(a.lastSeenAt) < 10_000);
    // An agent silent for longer than the window is shown disconnected.
    await env.h.db.agent.update({
      where: { id: a.id },
      data: { lastSeenAt: new Date(Date.now() - 120_000) },
    });
    const later = await admin(env, 'GET', '/clusters/edge');
    assert.equal(later.body.agents[0].connected, false);
  });

  test('revoking an agent takes effect on its next request, a waiting claim included', async () => {
    const issued = await admin(env, 'POST', '/clusters/edge/bootstrap-tokens');
    const a = await registerWith(env, issued.body.bootstrapToken);
    assert.equal((await agent(env, a.credential, 'claim', { wait: 0 })).status, 204);

    // A claim waiting when the revocation lands is refused as soon as it wakes.
    const waiting = agent(env, a.credential, 'claim', { wait: 20 });
    await new Promise((r) => setTimeout(r, 200));
    const revoked = await admin(env, 'DELETE', `/clusters/edge/agents/${a.agentId}`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.id, a.agentId);
    assert.ok(revoked.body.revokedAt);
    assert.equal(revoked.body.connected, false);

    const after1 = await agent(env, a.credential, 'claim', { wait: 0 });
    assert.equal(after1.status, 401);
    const hb = await agent(env, a.credential, 'heartbeat', { targetId: 'tgt_x', epoch: 1 });
    assert.equal(hb.status, 401);

    // Wake the waiting claim: a job on its lane. It must not be handed to a revoked agent.
    await env.h.producer.enqueue(
      'target.sync',
      {
        v: 1,
        targetId: 'tgt_wake',
        deploymentId: 'dep_x',
        applicationId: 'app_x',
        clusterId: a.clusterId,
        sha: 'a'.repeat(40),
      },
      { lane: `target-sync.${a.clusterId}` },
    );
    const woken = await waiting;
    assert.equal(woken.status, 401);
    assert.equal(woken.body.error.code, 'unauthorized');

    const shown = await admin(env, 'GET', '/clusters/edge');
    assert.ok(
      !shown.body.agents.some((x: { id: string }) => x.id === a.agentId),
      'revoked agents are not listed',
    );
    const again = await admin(env, 'DELETE', `/clusters/edge/agents/${a.agentId}`);
    assert.equal(again.status, 200, 'revoking twice is harmless');
    const other = await admin(env, 'DELETE', `/clusters/dc/agents/${a.agentId}`);
    assert.equal(other.status, 404, "another cluster's agent does not exist there");
  });

  test('registration, tokens and revocations are audit events of the cluster', async () => {
    const events = await auditEvents(env, 'edge');
    const types = events.map((e) => e.type);
    for (const t of ['cluster.created', 'agent.bootstrap_created', 'agent.registered', 'agent.revoked']) {
      assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
    }
    const registered = events.find((e) => e.type === 'agent.registered');
    assert.equal(registered?.actor.type, 'agent');
    assert.equal(registered?.data.version, '1.2.3');
    assert.ok(!JSON.stringify(events).includes('tether_boot_'), 'no token in the ledger');
    assert.ok(!JSON.stringify(events).includes('tether_agent_'), 'no credential in the ledger');
  });
});
