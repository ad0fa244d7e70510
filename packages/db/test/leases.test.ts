import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyAuditChain } from '../src/audit.ts';
import { createApplication } from '../src/repos/applications.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { createDeployment } from '../src/repos/deployments.ts';
import {
  attachBundle,
  expireLease,
  findExpiredLeases,
  LeaseLostError,
  renewAgentLease,
  startPullTarget,
} from '../src/repos/leases.ts';
import { cancelTarget, getTarget, succeedTarget } from '../src/repos/targets.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
let appId: string;
const A = { actor: { type: 'agent', name: 'agt_a' } } as const;
const B = { actor: { type: 'agent', name: 'agt_b' } } as const;
const opts = (agentId: string, leaseMs = 60_000) => ({ agentId, leaseMs, maxAttempts: 2 });

before(async () => {
  t = await openTestDb('leases');
  await createCluster(t.db, { name: 'edge', mode: 'pull' }, SYSTEM);
  appId = (
    await createApplication(
      t.db,
      {
        name: 'web',
        repoUrl: 'https://github.com/acme/web',
        path: 'k8s',
        targetRevision: 'main',
        destinations: [{ cluster: 'edge', namespace: 'web' }],
      },
      SYSTEM,
    )
  ).id;
});
after(async () => t?.close());

async function target(sha: string): Promise<string> {
  const d = await createDeployment(
    t.db,
    { applicationId: appId, revision: 'main', sha: sha.repeat(40), trigger: 'api' },
    SYSTEM,
  );
  const id = d.targets[0]?.id;
  assert.ok(id);
  return id;
}

test('a claim starts the target under a new epoch; renewals are fenced by epoch and holder', async () => {
  const id = await target('a');
  const started = await startPullTarget(t.db, id, A, opts('agt_a'));
  assert.equal(started.kind, 'started');
  if (started.kind !== 'started') return;
  assert.equal(started.target.leaseEpoch, 1);
  assert.equal(started.target.leaseOwner, 'agt_a');
  assert.equal(started.redelivery, false);
  assert.ok(await attachBundle(t.db, id, { epoch: 1, digest: 'd'.repeat(64) }));
  assert.equal(await attachBundle(t.db, id, { epoch: 7, digest: 'e'.repeat(64) }), false);

  const renewed = await renewAgentLease(t.db, id, { epoch: 1, agentId: 'agt_a', leaseMs: 60_000 });
  assert.equal(renewed.renewed, true);
  await assert.rejects(
    renewAgentLease(t.db, id, { epoch: 0, agentId: 'agt_a', leaseMs: 1 }),
    (err) => err instanceof LeaseLostError && err.code === 'lease_lost' && err.status === 409,
  );
  await assert.rejects(renewAgentLease(t.db, id, { epoch: 1, agentId: 'agt_b', leaseMs: 1 }), LeaseLostError);
  await succeedTarget(t.db, id, A, { objects: [], epoch: 1 });
  const again = await startPullTarget(t.db, id, A, opts('agt_a'));
  assert.deepEqual(again, { kind: 'finished', status: 'succeeded' });
});

test('an expired lease is found, requeued once (fenced), and re-claimed as a redelivery', async () => {
  const id = await target('b');
  await startPullTarget(t.db, id, A, opts('agt_a', -1_000));
  const expired = await findExpiredLeases(t.db);
  assert.deepEqual(
    expired.map((e) => [e.id, e.leaseEpoch, e.leaseOwner]),
    [[id, 1, 'agt_a']],
  );
  assert.equal(
    await expireLease(t.db, id, SYSTEM, { epoch: 0, maxAttempts: 2, reason: 'expired' }),
    undefined,
  );
  const requeued = await expireLease(t.db, id, SYSTEM, { epoch: 1, maxAttempts: 2, reason: 'expired' });
  assert.equal(requeued?.status, 'queued');
  assert.equal(requeued?.errorCode, 'lease_expired');
  assert.equal(
    await expireLease(t.db, id, SYSTEM, { epoch: 1, maxAttempts: 2, reason: 'expired' }),
    undefined,
  );

  const second = await startPullTarget(t.db, id, B, opts('agt_b'));
  assert.equal(second.kind, 'started');
  if (second.kind === 'started') {
    assert.equal(second.target.leaseEpoch, 2);
    assert.equal(second.target.attempts, 2);
    assert.equal(second.redelivery, true);
  }
  await assert.rejects(renewAgentLease(t.db, id, { epoch: 1, agentId: 'agt_a', leaseMs: 1 }), LeaseLostError);
  // Its last attempt's lease runs out too: failed, not queued.
  await t.db.deploymentTarget.update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1) } });
  const failed = await expireLease(t.db, id, SYSTEM, { epoch: 2, maxAttempts: 2, reason: 'expired' });
  assert.equal(failed?.status, 'failed');
});

test('a job that comes back while its target still runs takes the target over', async () => {
  const id = await target('c');
  await startPullTarget(t.db, id, A, opts('agt_a'));
  const taken = await startPullTarget(t.db, id, B, opts('agt_b'));
  assert.equal(taken.kind, 'started');
  if (taken.kind === 'started') assert.equal(taken.target.leaseOwner, 'agt_b');
  const events = await t.db.auditEvent.findMany({ where: { targetId: id }, orderBy: { seq: 'asc' } });
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.lease_expired', 'target.started'],
  );
  // Out of attempts (2): the next take-over fails it.
  const exhausted = await startPullTarget(t.db, id, A, opts('agt_a'));
  assert.equal(exhausted.kind, 'exhausted');
  assert.equal((await getTarget(t.db, id)).status, 'failed');
});

test('cancelled under a lease: the holder hears it on renewal; superseded siblings never start', async () => {
  const id = await target('d');
  await startPullTarget(t.db, id, A, opts('agt_a'));
  await cancelTarget(t.db, id, SYSTEM);
  assert.deepEqual(await renewAgentLease(t.db, id, { epoch: 1, agentId: 'agt_a', leaseMs: 1 }), {
    renewed: false,
    cancelled: true,
  });
  const older = await target('e');
  await target('f');
  const started = await startPullTarget(t.db, older, A, opts('agt_a'));
  assert.equal(started.kind, 'superseded');
  assert.equal((await getTarget(t.db, older)).status, 'superseded');
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});
