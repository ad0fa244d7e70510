import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyAuditChain } from '../src/audit.ts';
import { InvalidTransitionError, StaleLeaseError } from '../src/errors.ts';
import { createApplication } from '../src/repos/applications.ts';
import { listAuditEvents } from '../src/repos/audit-events.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { createDeployment, getDeployment } from '../src/repos/deployments.ts';
import { findStaleTargets, requeueTarget } from '../src/repos/requeue.ts';
import { startTarget, succeedTarget } from '../src/repos/targets.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
let appId: string;
let pullAppId: string;
const WORKER = { actor: { type: 'worker', name: 'w1' } } as const;
const SWEEPER = { actor: { type: 'system', name: 'sweeper' } } as const;

before(async () => {
  t = await openTestDb('requeue');
  await createCluster(t.db, { name: 'push-a', server: 'https://a.example' }, SYSTEM);
  await createCluster(t.db, { name: 'pull-b', mode: 'pull' }, SYSTEM);
  const common = { repoUrl: 'https://github.com/acme/web', path: 'k8s', targetRevision: 'main' };
  appId = (
    await createApplication(
      t.db,
      { ...common, name: 'web', destinations: [{ cluster: 'push-a', namespace: 'web' }] },
      SYSTEM,
    )
  ).id;
  pullAppId = (
    await createApplication(
      t.db,
      { ...common, name: 'edge', destinations: [{ cluster: 'pull-b', namespace: 'edge' }] },
      SYSTEM,
    )
  ).id;
});
after(async () => {
  await t?.close();
});

let clones = 0;

/**
 * A deployment of a fresh copy of the application: targets of one application on one cluster
 * never run side by side (see target-gate.ts), and these tests need several in flight at once.
 */
async function deploy(applicationId: string) {
  const cluster = applicationId === appId ? 'push-a' : 'pull-b';
  const copy = await createApplication(
    t.db,
    {
      name: `copy-${++clones}`,
      repoUrl: 'https://github.com/acme/web',
      path: 'k8s',
      targetRevision: 'main',
      destinations: [{ cluster, namespace: 'web' }],
    },
    SYSTEM,
  );
  const d = await createDeployment(
    t.db,
    { applicationId: copy.id, revision: 'main', sha: 'b'.repeat(40), trigger: 'api' },
    SYSTEM,
  );
  const target = d.targets[0];
  assert.ok(target);
  return { deployment: d, target };
}

test('findStaleTargets: queued and running targets of the mode, older than the cut-off', async () => {
  const a = await deploy(appId);
  const b = await deploy(appId);
  await startTarget(t.db, b.target.id, WORKER);
  const c = await deploy(appId);
  await startTarget(t.db, c.target.id, WORKER);
  await succeedTarget(t.db, c.target.id, WORKER, { objects: [] });
  const pull = await deploy(pullAppId);

  const future = new Date(Date.now() + 60_000);
  const stale = await findStaleTargets(t.db, { mode: 'push', olderThan: future });
  const mine = stale.filter((s) => [a, b, c].some((x) => x.target.id === s.id));
  assert.deepEqual(
    mine.map((s) => [s.id, s.status]),
    [
      [a.target.id, 'queued'],
      [b.target.id, 'running'],
    ],
  );
  assert.equal(mine[0]?.deploymentId, a.deployment.id);
  assert.equal(mine[0]?.applicationId, a.deployment.applicationId);
  assert.equal(mine[0]?.sha, 'b'.repeat(40));
  assert.ok(!stale.some((s) => s.id === pull.target.id));
  const pulls = await findStaleTargets(t.db, { mode: 'pull', olderThan: future });
  assert.ok(pulls.some((s) => s.id === pull.target.id));

  const none = await findStaleTargets(t.db, { mode: 'push', olderThan: new Date(Date.now() - 60_000) });
  assert.ok(!none.some((s) => s.id === a.target.id));
});

test('requeueTarget: running goes back to queued with a new epoch, audited; queued stays queued', async () => {
  const { deployment, target } = await deploy(appId);
  const started = await startTarget(t.db, target.id, WORKER);
  const requeued = await requeueTarget(t.db, target.id, SWEEPER, {
    from: 'running',
    epoch: started.leaseEpoch,
    reason: 'worker_lost',
    data: { jobState: 'missing' },
  });
  assert.equal(requeued.status, 'queued');
  assert.equal(requeued.leaseEpoch, started.leaseEpoch + 1);
  assert.equal(requeued.attempts, 1);
  // The deployment has started; a requeue does not make it queued again.
  assert.equal((await getDeployment(t.db, deployment.id)).status, 'running');

  const again = await requeueTarget(t.db, target.id, SWEEPER, {
    from: 'queued',
    epoch: requeued.leaseEpoch,
    reason: 'job_missing',
  });
  assert.equal(again.status, 'queued');
  assert.equal(again.leaseEpoch, requeued.leaseEpoch);

  const events = (await listAuditEvents(t.db, { targetId: target.id })).items.reverse();
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.requeued', 'target.requeued'],
  );
  assert.deepEqual(events[2]?.data, {
    from: 'running',
    to: 'queued',
    attempts: 1,
    reason: 'worker_lost',
    jobState: 'missing',
  });
  assert.equal(events[2]?.actorName, 'sweeper');
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});

test('requeueTarget refuses a target that moved on since it was seen', async () => {
  const { target } = await deploy(appId);
  const started = await startTarget(t.db, target.id, WORKER);
  await assert.rejects(
    requeueTarget(t.db, target.id, SWEEPER, { from: 'queued', epoch: started.leaseEpoch, reason: 'x' }),
    InvalidTransitionError,
  );
  await assert.rejects(
    requeueTarget(t.db, target.id, SWEEPER, { from: 'running', epoch: started.leaseEpoch - 1, reason: 'x' }),
    StaleLeaseError,
  );
  await succeedTarget(t.db, target.id, WORKER, { objects: [] });
  await assert.rejects(
    requeueTarget(t.db, target.id, SWEEPER, { from: 'running', epoch: started.leaseEpoch, reason: 'x' }),
    InvalidTransitionError,
  );
});
