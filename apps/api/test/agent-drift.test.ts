// Drift on pull clusters at the gateway: what an agent should hold (/desired), its reports
// (/observations) recorded like the push worker's, self-heal deployments, isolation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  admin,
  agent,
  application,
  auditEvents,
  call,
  claimJob,
  deploy,
  deployment,
  type PullEnv,
  pullCluster,
  type Registered,
  startPullEnv,
} from './agent-helpers.ts';

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui' };
const APPLIED = [
  { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui', action: 'created' },
  { ...DEPLOY, action: 'created' },
];
const DRIFT = [{ ...DEPLOY, changes: [{ path: 'spec.replicas', from: 4, to: 1 }] }];

describe('agent gateway: desired state, drift observations, self-heal', () => {
  let env: PullEnv;
  let north: Registered;
  let south: Registered;
  let applied: { digest: string; signature: string };

  const desired = async (a: Registered) => {
    const res = await call(env.url, 'GET', '/agent/v1/desired', { token: a.credential });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items as Array<Record<string, unknown> & { bundle: { digest: string } }>;
  };
  const observe = (a: Registered, body: object) => agent(env, a.credential, 'observations', body);
  const statusOf = async (app: string) => {
    const res = await admin(env, 'GET', `/applications/${app}`);
    assert.equal(res.status, 200);
    return res.body.status[0];
  };
  /** Claims the cluster's next job and reports it succeeded. */
  const apply = async (a: Registered) => {
    const job = await claimJob(env, a);
    const res = await agent(env, a.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: APPLIED,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return job;
  };

  before(async () => {
    env = await startPullEnv();
    north = await pullCluster(env, 'north');
    south = await pullCluster(env, 'south');
    await application(env, 'web', ['north']);
  });
  after(async () => {
    await env.close();
  });

  test('/desired: the bundle each application last applied on the cluster, nothing in flight, only there', async () => {
    assert.deepEqual(await desired(north), [], 'never applied');
    await deploy(env, 'web');
    const job = await claimJob(env, north);
    assert.equal(job.force, false, 'an ordinary deployment is not forced');
    assert.deepEqual(await desired(north), [], 'a running target decides');
    const res = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: APPLIED,
    });
    assert.equal(res.status, 200);
    const items = await desired(north);
    assert.equal(items.length, 1);
    const app = await admin(env, 'GET', '/applications/web');
    assert.deepEqual(items[0], {
      application: 'web',
      applicationId: app.body.id,
      namespace: 'web',
      sha: env.sha,
      bundle: job.bundle,
      selfHeal: false,
    });
    applied = job.bundle;
    assert.deepEqual(await desired(south), [], "another cluster's applications are not listed");
  });

  test('an observation is recorded like the push worker’s: status, drift audited with the agent as actor', async () => {
    const drifted = await observe(north, {
      application: 'web',
      sha: env.sha,
      drift: DRIFT,
      health: 'healthy',
    });
    assert.equal(drifted.status, 200, JSON.stringify(drifted.body));
    assert.deepEqual(drifted.body, { recorded: true, drifted: true });
    let s = await statusOf('web');
    assert.equal(s.cluster, 'north');
    assert.equal(s.sync, 'out-of-sync');
    assert.equal(s.health, 'healthy');
    assert.deepEqual(s.drift.objects, DRIFT);
    assert.ok(s.checkedAt);

    const degraded = await observe(north, {
      application: 'web',
      sha: env.sha,
      drift: DRIFT,
      health: 'degraded',
      healthReason: 'Deployment/guestbook-ui: ProgressDeadlineExceeded',
    });
    assert.equal(degraded.status, 200);
    s = await statusOf('web');
    assert.equal(s.health, 'degraded');
    assert.equal(s.healthReason, 'Deployment/guestbook-ui: ProgressDeadlineExceeded');

    const clean = await observe(north, { application: 'web', sha: env.sha, drift: [], health: 'healthy' });
    assert.deepEqual(clean.body, { recorded: true, drifted: false });
    s = await statusOf('web');
    assert.equal(s.drift, null);
    assert.equal(s.sync, 'synced');

    const events = (await auditEvents(env, 'north')).filter((e) => e.type.startsWith('application.drift'));
    assert.deepEqual(
      events.map((e) => e.type),
      ['application.drift_detected', 'application.drift_resolved'],
      'one event when drift appears, one when it clears',
    );
    for (const e of events) assert.deepEqual(e.actor, { type: 'agent', name: north.agentId });
    assert.deepEqual(events[0]?.data.objects, [{ ...DEPLOY, fields: ['spec.replicas'] }]);

    const stale = await observe(north, {
      application: 'web',
      sha: 'f'.repeat(40),
      drift: DRIFT,
      health: 'healthy',
    });
    assert.deepEqual(stale.body, { recorded: false, skipped: 'stale', drifted: true });
    assert.equal((await statusOf('web')).drift, null, 'a report about another revision changes nothing');
  });

  test("an agent cannot report on another cluster's application (404), nor on an unknown one", async () => {
    const body = { application: 'web', sha: env.sha, drift: DRIFT, health: 'healthy' };
    assert.equal((await observe(south, body)).status, 404);
    assert.equal((await observe(north, { ...body, application: 'nope' })).status, 404);
    assert.equal((await observe(north, { ...body, applicationId: 'app_0000000000other' })).status, 404);
    const bad = await observe(north, { ...body, health: 'great' });
    assert.equal(bad.status, 400);
    assert.equal((await statusOf('web')).drift, null);
  });

  test('with selfHeal a drift report queues one forced selfheal deployment for that cluster', async () => {
    const patched = await admin(env, 'PATCH', '/applications/web', { syncPolicy: { selfHeal: true } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const res = await observe(north, { application: 'web', sha: env.sha, drift: DRIFT, health: 'healthy' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.recorded, true);
    const healId = res.body.selfHealDeploymentId as string;
    assert.match(healId, /^dep_/);
    const heal = await admin(env, 'GET', `/deployments/${healId}`);
    assert.equal(heal.body.trigger.type, 'selfheal');
    assert.equal(heal.body.revision.sha, env.sha);
    assert.deepEqual(
      heal.body.targets.map((t: { cluster: string; status: string }) => [t.cluster, t.status]),
      [['north', 'queued']],
    );

    // The same drift reported again while the self-heal waits: nothing more is queued.
    const again = await observe(north, { application: 'web', sha: env.sha, drift: DRIFT, health: 'healthy' });
    assert.deepEqual(again.body, { recorded: false, skipped: 'in_flight', drifted: true });
    const list = await admin(env, 'GET', '/deployments?application=web');
    const heals = list.body.items.filter((d: { trigger: { type: string } }) => d.trigger.type === 'selfheal');
    assert.equal(heals.length, 1);

    const created = await admin(env, 'GET', `/audit?deployment=${healId}&type=deployment.created`);
    assert.equal(created.body.items.length, 1);
    assert.deepEqual(created.body.items[0].actor, { type: 'agent', name: north.agentId });
    assert.equal(created.body.items[0].data.trigger, 'selfheal');

    const job = await apply(north);
    assert.equal(job.deploymentId, healId);
    assert.equal(job.force, true, 'a self-heal takes the fields back');
    assert.equal((await deployment(env, healId)).status, 'succeeded');
    const clean = await observe(north, { application: 'web', sha: env.sha, drift: [], health: 'healthy' });
    assert.equal(clean.body.recorded, true);
    const s = await statusOf('web');
    assert.equal(s.lastApplied.deploymentId, healId);
    assert.equal(s.drift, null);
  });

  test('/desired renders (and lets the agent fetch) the bundle of a revision applied without one', async () => {
    // As after a push worker applied it and the cluster then went pull: no bundle on any target.
    await env.h.db.deploymentTarget.updateMany({
      where: { clusterId: north.clusterId },
      data: { bundleDigest: null },
    });
    const items = await desired(north);
    assert.equal(items.length, 1);
    const digest = items[0]?.bundle.digest ?? '';
    assert.equal(digest, applied.digest, 'the same render, the same bytes');
    const got = await call(env.url, 'GET', `/agent/v1/bundles/${digest}`, { token: north.credential });
    assert.equal(got.status, 200);
    const other = await call(env.url, 'GET', `/agent/v1/bundles/${digest}`, { token: south.credential });
    assert.equal(other.status, 404, 'granted to north only');
  });
});
