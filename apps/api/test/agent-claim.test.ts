import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  admin,
  agent,
  application,
  auditEvents,
  claimJob,
  deploy,
  deployment,
  type PullEnv,
  pullCluster,
  type Registered,
  startPullEnv,
} from './agent-helpers.ts';

const OBJECTS = [
  { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'guestbook-ui', action: 'created' },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'guestbook-ui', action: 'created' },
];

describe('agent gateway: claims, bundles, results, isolation', () => {
  let env: PullEnv;
  let north: Registered;
  let south: Registered;

  before(async () => {
    env = await startPullEnv();
    north = await pullCluster(env, 'north');
    south = await pullCluster(env, 'south');
    await application(env, 'web', ['north', 'south']);
    await application(env, 'solo', ['north']);
  });
  after(async () => {
    await env.close();
  });

  test('an idle claim answers 204 once its wait is over', async () => {
    const started = Date.now();
    const res = await agent(env, north.credential, 'claim', { wait: 0.3 });
    assert.equal(res.status, 204);
    assert.equal(res.bytes.length, 0);
    assert.ok(Date.now() - started >= 250, 'it waited');
    const bad = await agent(env, north.credential, 'claim', { wait: 31 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'body.wait');
  });

  test('a job queued while a claim waits wakes that claim with it', async () => {
    const waiting = agent(env, north.credential, 'claim', { wait: 25 });
    await new Promise((r) => setTimeout(r, 300));
    const d = await deploy(env, 'solo');
    const res = await waiting;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const job = res.body.job;
    assert.equal(job.deploymentId, d.id);
    assert.equal(job.application, 'solo');
    assert.equal(job.namespace, 'solo');
    assert.equal(job.sha, env.sha);
    assert.equal(job.attempt, 1);
    assert.equal(job.epoch, 1);
    assert.equal(job.leaseTtlSeconds, 30);
    assert.ok(Date.parse(job.leaseExpiresAt) > Date.now() + 20_000);
    assert.deepEqual(job.syncPolicy, { prune: false, selfHeal: false, createNamespace: false });
    assert.match(job.bundle.digest, /^[0-9a-f]{64}$/);

    const view = await deployment(env, d.id);
    assert.equal(view.status, 'running');
    assert.equal(view.targets[0]?.status, 'running');
    assert.equal(view.targets[0]?.mode, 'pull');

    const hb = await agent(env, north.credential, 'heartbeat', { targetId: job.targetId, epoch: job.epoch });
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.equal(hb.body.cancel, false);
    assert.ok(Date.parse(hb.body.leaseExpiresAt) >= Date.parse(job.leaseExpiresAt));

    const done = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [
        { apiVersion: 'v1', kind: 'Service', namespace: 'solo', name: 'guestbook-ui', action: 'created' },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'solo',
          name: 'guestbook-ui',
          action: 'configured',
        },
      ],
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'succeeded');
    const finished = await deployment(env, d.id);
    assert.equal(finished.status, 'succeeded');
    assert.deepEqual(
      finished.targets[0]?.objects.map((o) => [o.kind, o.action]),
      [
        ['Service', 'created'],
        ['Deployment', 'configured'],
      ],
    );
    const replay = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
    assert.equal(replay.status, 200, 'a retried report gets the same answer');
    const contradict = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'failed',
      objects: [],
    });
    assert.equal(contradict.status, 409);
    assert.equal(contradict.body.error.code, 'lease_lost');
    const lateBeat = await agent(env, north.credential, 'heartbeat', {
      targetId: job.targetId,
      epoch: job.epoch,
    });
    assert.equal(lateBeat.status, 409);
  });

  test('a job queued while no agent is connected is delivered at the next claim', async () => {
    const d = await deploy(env, 'web');
    // Nobody claims for a while; the jobs wait in their clusters' lanes.
    await new Promise((r) => setTimeout(r, 300));
    const n = await claimJob(env, north, 0);
    const s = await claimJob(env, south, 0);
    assert.equal(n.deploymentId, d.id);
    assert.equal(s.deploymentId, d.id);
    assert.notEqual(n.targetId, s.targetId);
    // One application at one commit: one bundle, whichever cluster it goes to.
    assert.equal(n.bundle.digest, s.bundle.digest);
    for (const [a, job] of [
      [north, n],
      [south, s],
    ] as const) {
      const res = await agent(env, a.credential, 'result', {
        targetId: job.targetId,
        epoch: job.epoch,
        status: 'succeeded',
        objects: OBJECTS,
      });
      assert.equal(res.status, 200);
    }
    assert.equal((await deployment(env, d.id)).status, 'succeeded');
  });

  test('bundles: the bytes hash to the digest and the signature verifies with the public key', async () => {
    const d = await deploy(env, 'web');
    const job = await claimJob(env, north, 0);
    assert.equal(job.deploymentId, d.id);
    const res = await agent(env, north.credential, `bundles/${job.bundle.digest}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(createHash('sha256').update(res.bytes).digest('hex'), job.bundle.digest);
    const signature = res.headers.get('x-tether-signature');
    assert.equal(signature, job.bundle.signature);
    const key = createPublicKey(north.signingPublicKey);
    assert.equal(key.asymmetricKeyType, 'ed25519');
    assert.ok(
      verify(null, res.bytes, key, Buffer.from(job.bundle.signature, 'base64')),
      'signature verifies',
    );
    const tampered = Buffer.from(res.bytes);
    tampered.writeUInt8((tampered.at(-2) ?? 0) ^ 1, tampered.length - 2);
    assert.ok(!verify(null, tampered, key, Buffer.from(job.bundle.signature, 'base64')));

    const bundle = JSON.parse(res.bytes.toString('utf8'));
    assert.equal(bundle.apiVersion, 'tether.dev/v1');
    assert.equal(bundle.kind, 'Bundle');
    assert.equal(bundle.application, 'web');
    assert.equal(bundle.path, 'guestbook');
    assert.equal(bundle.sha, env.sha);
    assert.equal(bundle.repoUrl, env.repo.url);
    assert.deepEqual(
      bundle.objects.map((o: { kind: string }) => o.kind),
      ['Service', 'Deployment'],
      'in apply order',
    );
    // Canonical JSON: sorted keys, no whitespace.
    assert.equal(res.bytes.toString('utf8'), canonical(bundle));

    const result = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'failed',
      objects: [{ ...OBJECTS[1], action: 'failed', error: 'admission webhook denied the request' }],
      error: { code: 'apply_failed', message: 'Deployment/guestbook-ui: denied', transient: false },
    });
    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'failed');
    const view = await deployment(env, d.id);
    const t = view.targets.find((x) => x.cluster === 'north');
    assert.equal(t?.status, 'failed');
    assert.equal(t?.errorCode, 'apply_failed');
    assert.equal(t?.objects[0]?.error, 'admission webhook denied the request');
    // South never claimed its target of this deployment: still queued.
    assert.equal(view.targets.find((x) => x.cluster === 'south')?.status, 'queued');
  });

  test("an agent never sees, claims, heartbeats, reports or fetches another cluster's work: 404", async () => {
    const d = await deploy(env, 'solo');
    // South is waiting too, but a job of north's lane never reaches it.
    const southClaim = agent(env, south.credential, 'claim', { wait: 1 });
    const job = await claimJob(env, north, 5);
    assert.equal(job.deploymentId, d.id);
    const fromSouth = await southClaim;
    if (fromSouth.status === 200) {
      assert.notEqual(fromSouth.body.job.targetId, job.targetId);
      assert.notEqual(fromSouth.body.job.application, 'solo');
    }
    const hb = await agent(env, south.credential, 'heartbeat', { targetId: job.targetId, epoch: job.epoch });
    assert.equal(hb.status, 404);
    assert.equal(hb.body.error.code, 'not_found');
    const res = await agent(env, south.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
    assert.equal(res.status, 404);
    const unknown = await agent(env, south.credential, 'heartbeat', { targetId: 'tgt_nope', epoch: 1 });
    assert.equal(unknown.status, 404, 'the same answer as for a target that does not exist');
    // The solo bundle went to north only.
    const bundle = await agent(env, south.credential, `bundles/${job.bundle.digest}`);
    assert.equal(bundle.status, 404);
    assert.equal((await agent(env, north.credential, `bundles/${job.bundle.digest}`)).status, 200);
    const missing = await agent(env, north.credential, `bundles/${'0'.repeat(64)}`);
    assert.equal(missing.status, 404);
    const done = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
    assert.equal(done.status, 200);
  });

  test('a claim whose client hangs up takes nothing: the next claim gets the job', async () => {
    const gone = new AbortController();
    const abandoned = agent(env, north.credential, 'claim', { wait: 20 }, gone.signal).catch(
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 300));
    gone.abort();
    await abandoned;
    await new Promise((r) => setTimeout(r, 200));
    const d = await deploy(env, 'solo');
    const job = await claimJob(env, north, 5);
    assert.equal(job.deploymentId, d.id);
    await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
  });

  test('a deployment cancelled while its agent applies: the next heartbeat says cancel', async () => {
    const d = await deploy(env, 'solo');
    const job = await claimJob(env, north, 5);
    assert.equal(job.deploymentId, d.id);
    const cancelled = await admin(env, 'POST', `/deployments/${d.id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const hb = await agent(env, north.credential, 'heartbeat', { targetId: job.targetId, epoch: job.epoch });
    assert.equal(hb.status, 200);
    assert.equal(hb.body.cancel, true);
    const lane = `target-sync.${north.clusterId}`;
    assert.equal(
      (await env.h.inspector.getJob(lane, job.targetId))?.state,
      'completed',
      'the job is settled',
    );
    const late = await agent(env, north.credential, 'result', {
      targetId: job.targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
    assert.equal(late.status, 409);
    assert.equal((await deployment(env, d.id)).targets[0]?.status, 'cancelled');
  });

  test('claims and results are audit events with the agent as actor, in the same ledger', async () => {
    const events = await auditEvents(env, 'north');
    const started = events.filter((e) => e.type === 'target.started');
    assert.ok(started.length >= 3);
    for (const e of started) {
      assert.equal(e.actor.type, 'agent');
      assert.equal(e.actor.name, north.agentId);
      assert.equal(e.data.leaseOwner, north.agentId);
      assert.equal(typeof e.data.epoch, 'number');
    }
    const types = events.map((e) => e.type);
    for (const t of ['target.queued', 'target.succeeded', 'target.failed']) {
      assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
    }
    const app = await admin(env, 'GET', '/audit?application=solo&limit=200');
    const appTypes = app.body.items.map((e: { type: string }) => e.type);
    for (const t of ['deployment.created', 'deployment.started', 'deployment.succeeded']) {
      assert.ok(appTypes.includes(t), `${t} in ${appTypes.join(',')}`);
    }
  });
});

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
