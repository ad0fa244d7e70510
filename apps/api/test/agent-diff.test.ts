// Diffs of pull clusters at the gateway: POST /api/v1/applications/{name}/diff hands a request to
// the cluster's agent through its claim long poll and answers with the agent's objects; only agents
// that said they answer diffs get one; no agent, or none in time → agent_unavailable; isolation;
// the request and the answer may go through different API replicas.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@tether/core';
import { createDb } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import { closeRedis, createProducer, createRedis } from '@tether/queue';
import { TEST_REDIS_URL } from '@tether/testing/redis';
import { createAgentGateway } from '../src/agent/gateway.ts';
import { loadSigner } from '../src/agent/signing.ts';
import { buildApp } from '../src/app.ts';
import {
  type Answer,
  admin,
  agent,
  application,
  call,
  claimJob,
  deploy,
  type PullEnv,
  pullCluster,
  type Registered,
  startPullEnv,
} from './agent-helpers.ts';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './harness.ts';

const APPLIED = [
  { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui', action: 'created' },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui', action: 'created' },
];
const OBJECTS = [
  { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'new', action: 'create' },
  { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui', action: 'unchanged' },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'guestbook-ui',
    action: 'change',
    changes: [{ path: 'spec.replicas', from: 1, to: 2 }],
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'web',
    name: 'old',
    action: 'prune',
    reason: 'not rendered',
  },
];
const CAPABLE = { capabilities: ['diff'] };

describe('agent gateway: diffs of pull clusters through their agent', () => {
  let env: PullEnv;
  let north: Registered;
  let south: Registered;
  let redis: ReturnType<typeof createRedis>;

  const restDiff = (body: object = {}, url?: string) =>
    url
      ? call(url, 'POST', '/api/v1/applications/web/diff', { token: ADMIN_TOKEN, body })
      : admin(env, 'POST', '/applications/web/diff', body);
  const entry = (res: Answer, cluster: string) => {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const found = res.body.clusters.find((c: { cluster: string }) => c.cluster === cluster);
    assert.ok(found, `no entry for ${cluster}: ${JSON.stringify(res.body)}`);
    return found;
  };
  /** Until the asker's request waits in the cluster's queue (read from Redis, not timed). */
  const queued = async (clusterId: string) => {
    const key = `${env.h.prefix}:agent-diff:queue:${clusterId}`;
    for (let i = 0; i < 200 && (await redis.llen(key)) === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.equal(await redis.llen(key), 1, 'the diff request is queued');
  };
  const claimDiff = async (a: Registered, url = env.url) => {
    const res = await call(url, 'POST', '/agent/v1/claim', {
      token: a.credential,
      body: { wait: 5, ...CAPABLE },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.diff, `expected a diff request: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.job, undefined);
    return res.body.diff;
  };

  before(async () => {
    env = await startPullEnv({ pull: { diffTimeoutMs: 4_000 } });
    redis = createRedis(TEST_REDIS_URL, { role: 'producer', logger: silentLogger() });
    north = await pullCluster(env, 'north');
    south = await pullCluster(env, 'south');
    const dark = await admin(env, 'POST', '/clusters', { name: 'dark', mode: 'pull' });
    assert.equal(dark.status, 201);
    await application(env, 'web', ['north', 'dark']);
    await deploy(env, 'web');
    const job = await claimJob(env, north);
    const done = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: APPLIED,
    });
    assert.equal(done.status, 200);
  });
  after(async () => {
    await closeRedis(redis);
    await env.close();
  });

  test('no agent listening for diffs: agent_unavailable at once, the other entries still answer', async () => {
    const res = await restDiff();
    for (const cluster of ['north', 'dark']) {
      const e = entry(res, cluster);
      assert.equal(e.mode, 'pull');
      assert.equal(e.error.code, 'agent_unavailable');
      assert.equal(e.objects, undefined);
    }
    assert.equal(res.body.revision.sha, env.sha);
  });

  test("an old agent's claim never gets a diff request; a capable claim does, and its answer is the REST answer", async () => {
    // A capable claim says the cluster has a listener (as a real agent's does, all the time).
    assert.equal((await agent(env, north.credential, 'claim', { wait: 0, ...CAPABLE })).status, 204);
    const asked = restDiff({ cluster: 'north' });
    await queued(north.clusterId);
    assert.equal(
      (await agent(env, north.credential, 'claim', { wait: 0.3 })).status,
      204,
      'not for old agents',
    );

    const diff = await claimDiff(north);
    assert.match(diff.requestId, /^req_/);
    assert.equal(diff.application, 'web');
    assert.equal(diff.namespace, 'web');
    assert.equal(diff.sha, env.sha);
    assert.match(diff.bundle.digest, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      diff.inventory,
      APPLIED.map(({ action: _a, ...ref }) => ref),
      'the prune candidates, as a job carries them',
    );
    assert.ok(Date.parse(diff.expiresAt) > Date.now());
    const bundle = await call(env.url, 'GET', `/agent/v1/bundles/${diff.bundle.digest}`, {
      token: north.credential,
    });
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('x-tether-signature'), diff.bundle.signature);

    // South cannot see or answer north's request.
    const foreign = await agent(env, south.credential, `diffs/${diff.requestId}`, { objects: [] });
    assert.equal(foreign.status, 404);
    const answered = await agent(env, north.credential, `diffs/${diff.requestId}`, { objects: OBJECTS });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));

    const res = await asked;
    assert.deepEqual(res.body.clusters, [
      { cluster: 'north', mode: 'pull', namespace: 'web', objects: OBJECTS },
    ]);
    // Answered and gone: a repeated answer finds nothing.
    assert.equal(
      (await agent(env, north.credential, `diffs/${diff.requestId}`, { objects: [] })).status,
      404,
    );
  });

  test("the agent's failure is the cluster's error; a malformed answer is refused", async () => {
    const asked = restDiff({ cluster: 'north' });
    const diff = await claimDiff(north);
    const bad = await agent(env, north.credential, `diffs/${diff.requestId}`, { objects: [{ kind: 'x' }] });
    assert.equal(bad.status, 400);
    const error = { code: 'forbidden', message: 'configmaps is forbidden' };
    assert.equal((await agent(env, north.credential, `diffs/${diff.requestId}`, { error })).status, 200);
    assert.deepEqual(entry(await asked, 'north').error, error);
  });

  test('no answer in time: agent_unavailable, and a late answer is refused (404)', async () => {
    const asked = restDiff({ cluster: 'north' });
    const diff = await claimDiff(north);
    const e = entry(await asked, 'north');
    assert.equal(e.error.code, 'agent_unavailable');
    assert.match(e.error.message, /answered/);
    assert.equal(
      (await agent(env, north.credential, `diffs/${diff.requestId}`, { objects: OBJECTS })).status,
      404,
    );
  });

  test('a diff-only claim (jobs: false) leaves jobs alone', async () => {
    await deploy(env, 'web');
    const res = await agent(env, north.credential, 'claim', { wait: 0.3, jobs: false, ...CAPABLE });
    assert.equal(res.status, 204);
    const job = await claimJob(env, north);
    const done = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: APPLIED,
    });
    assert.equal(done.status, 200);
  });

  test('the request and the answer may go through different API replicas', async () => {
    const logger = silentLogger();
    const db = createDb(env.h.database.url);
    const replicaRedis = createRedis(TEST_REDIS_URL, { role: 'producer', logger });
    const producer = createProducer({ redis: replicaRedis, logger, prefix: env.h.prefix });
    const mirrors = new GitMirrorCache({ baseDir: join(env.h.dataDir, 'git-replica'), logger });
    const pull = createAgentGateway({
      db,
      redis: replicaRedis,
      producer,
      mirrors,
      signer: await loadSigner({ dataDir: env.h.dataDir, logger }),
      logger,
      prefix: env.h.prefix,
      sweeper: false,
      diffTimeoutMs: 10_000,
    });
    const replica = await buildApp({
      db,
      producer,
      mirrors,
      logger,
      adminToken: ADMIN_TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      pull,
      checks: {},
    });
    try {
      const url2 = await replica.listen({ port: 0, host: '127.0.0.1' });
      // The agent waits on replica 1; the diff is asked on replica 2 and answered on replica 1.
      const waiting = call(env.url, 'POST', '/agent/v1/claim', {
        token: north.credential,
        body: { wait: 10, ...CAPABLE },
      });
      await new Promise((r) => setTimeout(r, 300));
      const asked = restDiff({ cluster: 'north' }, url2);
      const claimed = await waiting;
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const diff = claimed.body.diff;
      assert.ok(diff, JSON.stringify(claimed.body));
      const answered = await agent(env, north.credential, `diffs/${diff.requestId}`, { objects: OBJECTS });
      assert.equal(answered.status, 200);
      assert.deepEqual(entry(await asked, 'north').objects, OBJECTS);
    } finally {
      await replica.close();
      await pull.close();
      await producer.close();
      await closeRedis(replicaRedis);
      await db.$disconnect();
    }
  });
});
