import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyAuditChain } from '../src/audit.ts';
import { InvalidTransitionError, NotFoundError, StaleLeaseError } from '../src/errors.ts';
import { createApplication } from '../src/repos/applications.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { createDeployment, getDeployment, listDeployments } from '../src/repos/deployments.ts';
import {
  failTarget,
  getTargetWork,
  renewLease,
  requeueExpiredLeases,
  startTarget,
  succeedTarget,
} from '../src/repos/targets.ts';
import { deploymentStatusOf } from '../src/state.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
let appId: string;
const WORKER = { actor: { type: 'worker', name: 'w1' } } as const;
const OBJECTS = [
  { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'cfg', action: 'created' as const },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web', action: 'configured' as const },
];

before(async () => {
  t = await openTestDb('deployments', 12);
  await createCluster(t.db, { name: 'a' }, SYSTEM);
  await createCluster(t.db, { name: 'b' }, SYSTEM);
  const app = await createApplication(
    t.db,
    {
      name: 'web',
      repoUrl: 'https://github.com/acme/web',
      path: 'k8s',
      targetRevision: 'main',
      destinations: [
        { cluster: 'a', namespace: 'web' },
        { cluster: 'b', namespace: 'web' },
      ],
    },
    SYSTEM,
  );
  appId = app.id;
});
after(async () => {
  await t?.close();
});

function deploy(sha = 'a'.repeat(40), extra: { supersede?: boolean } = {}) {
  return createDeployment(
    t.db,
    { applicationId: appId, revision: 'main', sha, trigger: 'api', ...extra },
    { actor: { type: 'token', name: 'ci' }, requestId: 'req_1' },
  );
}

test('deployment status follows its targets', () => {
  assert.equal(deploymentStatusOf(['queued', 'queued']), 'queued');
  assert.equal(deploymentStatusOf(['running', 'queued']), 'running');
  assert.equal(deploymentStatusOf(['succeeded', 'queued']), 'running');
  assert.equal(deploymentStatusOf(['succeeded', 'succeeded']), 'succeeded');
  assert.equal(deploymentStatusOf(['succeeded', 'failed']), 'failed');
  assert.equal(deploymentStatusOf(['superseded', 'superseded']), 'superseded');
  assert.equal(deploymentStatusOf(['succeeded', 'cancelled']), 'cancelled');
  assert.equal(deploymentStatusOf(['succeeded', 'superseded']), 'superseded');
  assert.equal(deploymentStatusOf(['failed', 'cancelled']), 'failed');
});

test('create: a target per destination and their audit events, in one transaction', async () => {
  const d = await deploy();
  assert.match(d.id, /^dep_/);
  assert.equal(d.status, 'queued');
  assert.equal(d.applicationName, 'web');
  assert.equal(d.actorType, 'token');
  assert.deepEqual(
    d.targets.map((x) => [x.clusterName, x.namespace, x.status, x.attempts]),
    [
      ['a', 'web', 'queued', 0],
      ['b', 'web', 'queued', 0],
    ],
  );
  const events = await t.db.auditEvent.findMany({ where: { deploymentId: d.id }, orderBy: { seq: 'asc' } });
  assert.deepEqual(
    events.map((e) => [e.type, e.targetId, e.requestId]),
    [
      ['deployment.created', null, 'req_1'],
      ['target.queued', d.targets[0]?.id, 'req_1'],
      ['target.queued', d.targets[1]?.id, 'req_1'],
    ],
  );
});

test('create: nothing is left when the surrounding transaction fails', async () => {
  const before = { d: await t.db.deployment.count(), a: await t.db.auditEvent.count() };
  await assert.rejects(
    t.db.$transaction(async (tx) => {
      await createDeployment(
        tx,
        { applicationId: appId, revision: 'main', sha: 'b'.repeat(40), trigger: 'api' },
        SYSTEM,
      );
      throw new Error('queue unavailable');
    }),
    /queue unavailable/,
  );
  await assert.rejects(
    createDeployment(
      t.db,
      {
        applicationId: appId,
        revision: 'main',
        sha: 'b'.repeat(40),
        trigger: 'rollback',
        rollbackOfId: 'dep_missing',
      },
      SYSTEM,
    ),
    NotFoundError,
  );
  assert.deepEqual({ d: await t.db.deployment.count(), a: await t.db.auditEvent.count() }, before);
});

test('targets: queued → running → succeeded, and no way back', async () => {
  const d = await deploy();
  const [ta, tb] = d.targets;
  assert.ok(ta && tb);
  const started = await startTarget(t.db, ta.id, WORKER);
  assert.equal(started.status, 'running');
  assert.equal(started.attempts, 1);
  assert.equal(started.leaseEpoch, 1);
  assert.equal((await getDeployment(t.db, d.id)).status, 'running');

  const done = await succeedTarget(t.db, ta.id, WORKER, { objects: OBJECTS });
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(done.objects, OBJECTS);
  assert.ok(done.finishedAt);

  const auditBefore = await t.db.auditEvent.count();
  await assert.rejects(startTarget(t.db, ta.id, WORKER), (err: unknown) => {
    assert.ok(err instanceof InvalidTransitionError);
    assert.equal(err.code, 'invalid_transition');
    assert.equal(err.from, 'succeeded');
    return true;
  });
  await assert.rejects(succeedTarget(t.db, tb.id, WORKER, { objects: [] }), InvalidTransitionError);
  assert.equal(await t.db.auditEvent.count(), auditBefore, 'refusals write nothing');

  await startTarget(t.db, tb.id, WORKER);
  await succeedTarget(t.db, tb.id, WORKER, { objects: [] });
  const final = await getDeployment(t.db, d.id);
  assert.equal(final.status, 'succeeded');
  assert.ok(final.finishedAt);
  const types = (
    await t.db.auditEvent.findMany({ where: { deploymentId: d.id }, orderBy: { seq: 'asc' } })
  ).map((e) => e.type);
  assert.deepEqual(types.slice(3), [
    'target.started',
    'deployment.started',
    'target.succeeded',
    'target.started',
    'target.succeeded',
    'deployment.succeeded',
  ]);
});

test('targets: retry requeues and counts attempts; a final failure fails the deployment', async () => {
  const d = await deploy();
  const [ta, tb] = d.targets;
  assert.ok(ta && tb);
  await startTarget(t.db, ta.id, WORKER);
  const retried = await failTarget(t.db, ta.id, WORKER, {
    error: 'timeout',
    errorCode: 'unavailable',
    retry: true,
  });
  assert.equal(retried.status, 'queued');
  assert.equal(retried.error, 'timeout');
  assert.equal((await getDeployment(t.db, d.id)).status, 'running', 'a started deployment stays running');
  const again = await startTarget(t.db, ta.id, WORKER);
  assert.equal(again.attempts, 2);
  await failTarget(t.db, ta.id, WORKER, { error: 'forbidden', errorCode: 'forbidden' });
  await startTarget(t.db, tb.id, WORKER);
  await succeedTarget(t.db, tb.id, WORKER, { objects: OBJECTS });
  const final = await getDeployment(t.db, d.id);
  assert.equal(final.status, 'failed');
  assert.equal(final.targets.find((x) => x.id === ta.id)?.errorCode, 'forbidden');
  assert.equal(await t.db.auditEvent.count({ where: { targetId: ta.id, type: 'target.retried' } }), 1);
});

test('leases: a stale epoch is refused; expired leases go back to the queue', async () => {
  const d = await deploy();
  const [ta] = d.targets;
  assert.ok(ta);
  const held = await startTarget(
    t.db,
    ta.id,
    { actor: { type: 'agent', name: 'agt_1' } },
    { leaseOwner: 'agt_1', leaseMs: 60_000 },
  );
  assert.equal(held.leaseOwner, 'agt_1');
  await renewLease(t.db, ta.id, { epoch: held.leaseEpoch, leaseMs: 1 });
  await assert.rejects(
    renewLease(t.db, ta.id, { epoch: held.leaseEpoch - 1, leaseMs: 1000 }),
    StaleLeaseError,
  );
  const requeued = await requeueExpiredLeases(t.db, SYSTEM, new Date(Date.now() + 1000));
  assert.deepEqual(requeued, [ta.id]);
  const taken = await startTarget(
    t.db,
    ta.id,
    { actor: { type: 'agent', name: 'agt_2' } },
    { leaseOwner: 'agt_2', leaseMs: 60_000 },
  );
  assert.equal(taken.leaseEpoch, held.leaseEpoch + 1);
  // The first holder's late report is fenced off.
  await assert.rejects(
    succeedTarget(t.db, ta.id, WORKER, { objects: [], epoch: held.leaseEpoch }),
    StaleLeaseError,
  );
  await succeedTarget(t.db, ta.id, WORKER, { objects: [], epoch: taken.leaseEpoch });
  const work = await getTargetWork(t.db, ta.id);
  assert.equal(work.deployment.application.repoUrl, 'https://github.com/acme/web');
  assert.equal(work.cluster.name, 'a');
});

test('sibling targets finishing at the same moment still finish their deployment', async () => {
  for (let round = 0; round < 5; round++) {
    const d = await deploy();
    await Promise.all(d.targets.map((x) => startTarget(t.db, x.id, WORKER)));
    await Promise.all(d.targets.map((x) => succeedTarget(t.db, x.id, WORKER, { objects: [] })));
    assert.equal((await getDeployment(t.db, d.id)).status, 'succeeded');
  }
});

test('a newer deployment supersedes queued targets of older ones', async () => {
  const old = await deploy('1'.repeat(40));
  const [oa] = old.targets;
  assert.ok(oa);
  await startTarget(t.db, oa.id, WORKER);
  const newer = await deploy('2'.repeat(40), { supersede: true });
  const after = await getDeployment(t.db, old.id);
  assert.deepEqual(
    after.targets.map((x) => x.status),
    ['running', 'superseded'],
  );
  assert.equal(newer.status, 'queued');
  await succeedTarget(t.db, oa.id, WORKER, { objects: [] });
  assert.equal((await getDeployment(t.db, old.id)).status, 'superseded');
  await assert.rejects(startTarget(t.db, after.targets[1]?.id ?? '', WORKER), InvalidTransitionError);
});

test('list filters by application and status and pages newest first', async () => {
  const all = await listDeployments(t.db, { applicationId: appId, limit: 200 });
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof listDeployments>> = await listDeployments(t.db, {
      applicationId: appId,
      limit: 3,
      cursor,
    });
    ids.push(...page.items.map((x) => x.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(
    ids,
    all.items.map((x) => x.id),
  );
  assert.deepEqual(ids, [...ids].sort().reverse());
  const failed = await listDeployments(t.db, { status: 'failed' });
  assert.equal(failed.items.length, 1);
  assert.ok(failed.items.every((x) => x.status === 'failed'));
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});
