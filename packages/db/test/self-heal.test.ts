import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApplication } from '../src/repos/applications.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { createDeployment, type DeploymentRecord } from '../src/repos/deployments.ts';
import { createSelfHealDeployment, desiredStateOf } from '../src/repos/self-heal.ts';
import { startTarget, succeedTarget } from '../src/repos/targets.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
let appId: string;
let c1: string;
const W = { actor: { type: 'worker', name: 'w' } } as const;
const SHA = 'a'.repeat(40);

before(async () => {
  t = await openTestDb('selfheal');
  c1 = (await createCluster(t.db, { name: 'c1', server: 'https://c1.example' }, SYSTEM)).id;
  await createCluster(t.db, { name: 'c2', server: 'https://c2.example' }, SYSTEM);
  appId = (
    await createApplication(
      t.db,
      {
        name: 'web',
        repoUrl: 'https://github.com/acme/web',
        path: 'k8s',
        targetRevision: 'main',
        selfHeal: true,
        destinations: [
          { cluster: 'c1', namespace: 'web' },
          { cluster: 'c2', namespace: 'web' },
        ],
      },
      SYSTEM,
    )
  ).id;
});
after(async () => t?.close());

test('desired state: the last applied revision per application, left out while a target is in flight', async () => {
  assert.deepEqual(await desiredStateOf(t.db, c1), [], 'never applied');
  const d = await createDeployment(
    t.db,
    { applicationId: appId, revision: 'main', sha: SHA, trigger: 'api' },
    SYSTEM,
  );
  const target = d.targets.find((x) => x.clusterId === c1);
  assert.ok(target);
  await startTarget(t.db, target.id, W);
  assert.deepEqual(await desiredStateOf(t.db, c1), [], 'running');
  await succeedTarget(t.db, target.id, W, { objects: [] });
  const [s, ...rest] = await desiredStateOf(t.db, c1);
  assert.equal(rest.length, 0);
  assert.equal(s?.application, 'web');
  assert.equal(s?.targetId, target.id);
  assert.equal(s?.sha, SHA);
  assert.equal(s?.selfHeal, true);
  assert.equal(s?.bundleDigest, null, 'applied without a bundle');
  assert.equal(s?.namespace, 'web');
});

test('self-heal: one deployment for the one cluster, enqueued in its transaction; none while one is in flight', async () => {
  const enqueued: DeploymentRecord[] = [];
  const enqueue = async (d: DeploymentRecord) => {
    enqueued.push(d);
  };
  // Several observers of the same drift at once: exactly one self-heal.
  const results = await Promise.all(
    [1, 2, 3, 4].map(() =>
      createSelfHealDeployment(t.db, { applicationId: appId, clusterId: c1, sha: SHA }, W, enqueue),
    ),
  );
  const created = results.filter((r): r is DeploymentRecord => r !== undefined);
  assert.equal(created.length, 1);
  const [heal] = created;
  assert.equal(heal?.trigger, 'selfheal');
  assert.equal(heal?.sha, SHA);
  assert.deepEqual(
    heal?.targets.map((x) => [x.clusterName, x.status]),
    [['c1', 'queued']],
  );
  assert.deepEqual(
    enqueued.map((d) => d.id),
    [heal?.id],
  );

  // A failing enqueue rolls the deployment back.
  const target = heal?.targets[0];
  assert.ok(target);
  await startTarget(t.db, target.id, W);
  await succeedTarget(t.db, target.id, W, { objects: [] });
  const before = await t.db.deployment.count();
  await assert.rejects(
    createSelfHealDeployment(t.db, { applicationId: appId, clusterId: c1, sha: SHA }, W, async () => {
      throw new Error('redis down');
    }),
    /redis down/,
  );
  assert.equal(await t.db.deployment.count(), before);
});
