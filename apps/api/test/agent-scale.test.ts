// The gateway's Redis use does not grow with agents, and several API replicas serve one agent.
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
  agent,
  application,
  call,
  claimJob,
  deploy,
  deployment,
  type PullEnv,
  pullCluster,
  type Registered,
  startPullEnv,
} from './agent-helpers.ts';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './harness.ts';

describe('agent gateway at scale', () => {
  let env: PullEnv;
  before(async () => {
    env = await startPullEnv();
  });
  after(async () => {
    await env.close();
  });

  test('50 claims waiting on 50 clusters hold no more Redis connections than one; the right one wakes', async () => {
    const observer = createRedis(TEST_REDIS_URL, {
      role: 'producer',
      logger: silentLogger(),
      name: 'observer',
    });
    const connections = async () =>
      String(await observer.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(env.h.redisName)).length;
    try {
      const agents: Registered[] = [];
      for (let i = 0; i < 50; i++) agents.push(await pullCluster(env, `fleet-${i}`));
      // One claim so the watch connection exists: the baseline is the command + watch connection.
      assert.equal((await agent(env, agents[0]?.credential ?? '', 'claim', { wait: 0 })).status, 204);
      const baseline = await connections();
      assert.equal(baseline, 2);

      const waiting = agents.map((a) => agent(env, a.credential, 'claim', { wait: 4 }));
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(await connections(), baseline, 'no connection per waiting claim');

      const last = agents[49];
      assert.ok(last);
      await application(env, 'fleet-app', ['fleet-49']);
      const d = await deploy(env, 'fleet-app');
      const answers = await Promise.all(waiting);
      const got = answers.filter((a) => a.status === 200);
      assert.equal(got.length, 1, 'exactly one claim woke with a job');
      assert.equal(answers[49]?.status, 200, "and it is the job's cluster's");
      assert.equal(answers[49]?.body.job.deploymentId, d.id);
      assert.ok(answers.slice(0, 49).every((a) => a.status === 204));
      assert.equal(await connections(), baseline);
    } finally {
      await closeRedis(observer);
    }
  });

  test('a second API replica (same database, Redis prefix and data dir) serves the same agent', async () => {
    const logger = silentLogger();
    const db = createDb(env.h.database.url);
    const redis = createRedis(TEST_REDIS_URL, { role: 'producer', logger, name: `replica-${env.h.prefix}` });
    const producer = createProducer({ redis, logger, prefix: env.h.prefix });
    const mirrors = new GitMirrorCache({ baseDir: join(env.h.dataDir, 'git-replica'), logger });
    const pull = createAgentGateway({
      db,
      redis,
      producer,
      mirrors,
      signer: await loadSigner({ dataDir: env.h.dataDir, logger }),
      logger,
      prefix: env.h.prefix,
      sweeper: false,
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
      assert.equal(pull.signer.keyId, env.h.pull?.signer.keyId, 'one signing key from the shared data dir');
      const a = await pullCluster(env, 'shared');
      await application(env, 'shared-app', ['shared']);

      // The claim waits on replica 2; the job is queued through replica 1.
      const waiting = call(url2, 'POST', '/agent/v1/claim', { token: a.credential, body: { wait: 10 } });
      await new Promise((r) => setTimeout(r, 300));
      const d = await deploy(env, 'shared-app');
      const claimed = await waiting;
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const job = claimed.body.job;
      assert.equal(job.deploymentId, d.id);

      // Heartbeat on replica 1, bundle and result on replica 2.
      const hb = await agent(env, a.credential, 'heartbeat', { targetId: job.targetId, epoch: job.epoch });
      assert.equal(hb.status, 200);
      const bundle = await call(url2, 'GET', `/agent/v1/bundles/${job.bundle.digest}`, {
        token: a.credential,
      });
      assert.equal(bundle.status, 200);
      assert.equal(bundle.headers.get('x-tether-signature'), job.bundle.signature);
      const done = await call(url2, 'POST', '/agent/v1/result', {
        token: a.credential,
        body: { targetId: job.targetId, epoch: job.epoch, status: 'succeeded', objects: [] },
      });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal((await deployment(env, d.id)).status, 'succeeded');

      // A second claim from replica 1 finds nothing left: the job was completed through replica 2.
      assert.equal((await agent(env, a.credential, 'claim', { wait: 0.3 })).status, 204);
      const again = await claimJob(env, a, 0).catch((err: unknown) => err);
      assert.ok(again instanceof Error);
    } finally {
      await replica.close();
      await pull.close();
      await producer.close();
      await closeRedis(redis);
      await db.$disconnect();
    }
  });
});
