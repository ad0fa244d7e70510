// Leases with a 1 s TTL and a fast stalled check, so expiries happen within a test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withPolicies } from '@tether/queue';
import {
  agent,
  application,
  auditEvents,
  claimJob,
  deploy,
  deployment,
  type PullEnv,
  pullCluster,
  type Registered,
  secondAgent,
  startPullEnv,
} from './agent-helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const catalog = withPolicies({
  'target.sync': { attempts: 3, backoff: { type: 'exponential', delay: 50, jitter: 0 } },
});

describe('agent gateway: leases, fencing, re-delivery, retries', () => {
  let env: PullEnv;
  let a: Registered;
  let b: Registered;

  before(async () => {
    env = await startPullEnv({ catalog, pull: { leaseTtlMs: 1_000, stalledIntervalMs: 100 } });
    a = await pullCluster(env, 'east');
    b = await secondAgent(env, 'east');
    await application(env, 'lease', ['east']);
  });
  after(async () => {
    await env.close();
  });

  const report = (who: Registered, job: { targetId: string; epoch: number }, extra: object = {}) =>
    agent(env, who.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
      ...extra,
    });

  test("a stale holder's heartbeats and results are refused once its lease expired and was re-claimed", async () => {
    const d = await deploy(env, 'lease');
    const first = await claimJob(env, a, 5);
    assert.equal(first.deploymentId, d.id);
    assert.equal(first.epoch, 1);
    assert.equal(first.leaseTtlSeconds, 1);
    // A goes silent. After the TTL the job returns to the lane and B gets it.
    const second = await claimJob(env, b, 10);
    assert.equal(second.targetId, first.targetId);
    assert.equal(second.epoch, 2);
    assert.equal(second.attempt, 2, 're-delivery counts an attempt');

    const hb = await agent(env, a.credential, 'heartbeat', { targetId: first.targetId, epoch: first.epoch });
    assert.equal(hb.status, 409);
    assert.equal(hb.body.error.code, 'lease_lost');
    const late = await report(a, first);
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'lease_lost');

    const ok = await agent(env, b.credential, 'heartbeat', {
      targetId: second.targetId,
      epoch: second.epoch,
    });
    assert.equal(ok.status, 200);
    assert.equal((await report(b, second)).status, 200);
    const view = await deployment(env, d.id);
    assert.equal(view.status, 'succeeded');
    assert.equal(view.targets[0]?.attempts, 2);

    const events = (await auditEvents(env, 'east')).filter((e) => e.targetId === first.targetId);
    const types = events.map((e) => e.type);
    assert.deepEqual(
      types.filter((t) => t.startsWith('target.')),
      ['target.queued', 'target.started', 'target.lease_expired', 'target.started', 'target.succeeded'],
    );
    const expired = events.find((e) => e.type === 'target.lease_expired');
    assert.equal(expired?.data.agentId, a.agentId);
    assert.equal(expired?.data.epoch, 1);
    const restarted = events.filter((e) => e.type === 'target.started')[1];
    assert.equal(restarted?.data.redelivery, true);
    assert.equal(restarted?.actor.name, b.agentId);
  });

  test('the sweeper returns an expired lease to the queue and the job is delivered again', async () => {
    const d = await deploy(env, 'lease');
    const first = await claimJob(env, a, 5);
    assert.equal(first.deploymentId, d.id);
    await sleep(1_200);
    const swept = await env.h.pull?.sweep();
    assert.ok(swept?.ran);
    assert.deepEqual(swept?.expired, [first.targetId]);
    const queued = await deployment(env, d.id);
    assert.equal(queued.targets[0]?.status, 'queued');
    assert.equal(queued.targets[0]?.errorCode, 'lease_expired');
    const stale = await agent(env, a.credential, 'heartbeat', {
      targetId: first.targetId,
      epoch: first.epoch,
    });
    assert.equal(stale.status, 409, 'refused as soon as the lease is gone, before any re-claim');

    const again = await claimJob(env, a, 10);
    assert.equal(again.targetId, first.targetId);
    assert.equal(again.epoch, first.epoch + 1);
    assert.equal((await report(a, again)).status, 200);
    const events = (await auditEvents(env, 'east')).filter((e) => e.targetId === first.targetId);
    const expiry = events.find((e) => e.type === 'target.lease_expired');
    assert.equal(expiry?.actor.type, 'system', 'recorded by the sweeper');
    assert.equal(expiry?.data.reason, 'expired');
  });

  test('heartbeats keep a lease past its TTL: nobody else gets the job', async () => {
    const d = await deploy(env, 'lease');
    const job = await claimJob(env, a, 5);
    assert.equal(job.deploymentId, d.id);
    const other = agent(env, b.credential, 'claim', { wait: 2.5 });
    for (let i = 0; i < 8; i++) {
      await sleep(300);
      const hb = await agent(env, a.credential, 'heartbeat', { targetId: job.targetId, epoch: job.epoch });
      assert.equal(hb.status, 200, JSON.stringify(hb.body));
    }
    await env.h.pull?.sweep();
    assert.equal((await other).status, 204, 'the held job was not handed out again');
    assert.equal((await report(a, job)).status, 200);
    assert.equal((await deployment(env, d.id)).targets[0]?.attempts, 1);
  });

  test("transient failures go back to the queue, bounded by the catalog's attempts", async () => {
    const d = await deploy(env, 'lease');
    const error = { code: 'unavailable', message: 'API server timed out', transient: true };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = await claimJob(env, a, 10);
      assert.equal(job.deploymentId, d.id);
      assert.equal(job.attempt, attempt);
      const res = await report(a, job, { status: 'failed', error });
      assert.equal(res.status, 200);
      assert.equal(res.body.status, attempt < 3 ? 'queued' : 'failed');
    }
    const view = await deployment(env, d.id);
    assert.equal(view.status, 'failed');
    assert.equal(view.targets[0]?.status, 'failed');
    assert.equal(view.targets[0]?.attempts, 3);
    assert.equal(view.targets[0]?.errorCode, 'unavailable');
    const targetId = (await env.h.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id } })).id;
    const types = (await auditEvents(env, 'east')).filter((e) => e.targetId === targetId).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'target.retried').length, 2);
    assert.equal(types.at(-1), 'target.failed');
    assert.equal((await agent(env, a.credential, 'claim', { wait: 0.3 })).status, 204, 'nothing left');
  });

  test('a job whose agents keep dying fails when its attempts are used up', async () => {
    const d = await deploy(env, 'lease');
    let targetId = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = await claimJob(env, attempt % 2 ? a : b, 10);
      assert.equal(job.deploymentId, d.id);
      assert.equal(job.attempt, attempt);
      targetId = job.targetId;
      await sleep(1_100);
      await env.h.pull?.sweep();
    }
    const view = await deployment(env, d.id);
    assert.equal(view.targets[0]?.status, 'failed');
    assert.equal(view.targets[0]?.errorCode, 'lease_expired');
    // Its job comes back once more and is dropped: the target is finished.
    assert.equal((await agent(env, a.credential, 'claim', { wait: 1.5 })).status, 204);
    const types = (await auditEvents(env, 'east')).filter((e) => e.targetId === targetId).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'target.lease_expired').length, 3);
    assert.equal(types.at(-1), 'target.failed');
  });

  test('latest wins: a claim skips a superseded target and waits for a running sibling', async () => {
    const d1 = await deploy(env, 'lease');
    const held = await claimJob(env, a, 5);
    assert.equal(held.deploymentId, d1.id);
    // A keeps its 1 s lease alive the whole time, however slow the machine is.
    let beating = true;
    const heartbeats = (async () => {
      while (beating) {
        await agent(env, a.credential, 'heartbeat', { targetId: held.targetId, epoch: held.epoch });
        await sleep(150);
      }
    })();
    const d2 = await deploy(env, 'lease');
    const d3 = await deploy(env, 'lease');
    // d2 is superseded by d3; d3 waits while d1 runs, so B's short claim gets nothing.
    assert.equal((await agent(env, b.credential, 'claim', { wait: 0.5 })).status, 204);
    beating = false;
    await heartbeats;
    assert.equal((await report(a, held)).status, 200);
    const next = await claimJob(env, b, 10);
    assert.equal(next.deploymentId, d3.id);
    assert.equal((await report(b, next)).status, 200);
    assert.equal((await deployment(env, d2.id)).targets[0]?.status, 'superseded');
    assert.equal((await deployment(env, d3.id)).status, 'succeeded');
  });
});
