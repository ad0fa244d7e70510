import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TargetBusyError } from '../src/errors.ts';
import { createApplication } from '../src/repos/applications.ts';
import { createCluster } from '../src/repos/clusters.ts';
import { createDeployment, getDeployment } from '../src/repos/deployments.ts';
import { startTarget, succeedTarget } from '../src/repos/targets.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
let appId: string;
const W = { actor: { type: 'worker', name: 'w' } } as const;

before(async () => {
  t = await openTestDb('gate');
  await createCluster(t.db, { name: 'c1', server: 'https://c1.example' }, SYSTEM);
  await createCluster(t.db, { name: 'c2', server: 'https://c2.example' }, SYSTEM);
  appId = (
    await createApplication(
      t.db,
      {
        name: 'web',
        repoUrl: 'https://github.com/acme/web',
        path: 'k8s',
        targetRevision: 'main',
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

const deploy = (sha: string) =>
  createDeployment(
    t.db,
    { applicationId: appId, revision: 'main', sha: sha.repeat(40), trigger: 'api' },
    SYSTEM,
  );

test('a target waits while another of the same application and cluster runs; other clusters do not', async () => {
  const first = await deploy('a');
  const [a1, a2] = first.targets;
  assert.ok(a1 && a2);
  await startTarget(t.db, a1.id, W);
  const second = await deploy('b');
  const [b1, b2] = second.targets;
  assert.ok(b1 && b2);
  await assert.rejects(
    startTarget(t.db, b1.id, W),
    (err) => err instanceof TargetBusyError && err.runningTargetId === a1.id,
  );
  // The other cluster's targets are independent; a2 is older than b2, so it is superseded there.
  const late = await startTarget(t.db, a2.id, W);
  assert.equal(late.status, 'superseded');
  assert.equal((await startTarget(t.db, b2.id, W)).status, 'running');
  await succeedTarget(t.db, a1.id, W, { objects: [] });
  assert.equal((await startTarget(t.db, b1.id, W)).status, 'running');
});

test('an older target started after a newer one exists ends superseded, never running', async () => {
  const older = await deploy('c');
  const newer = await deploy('d');
  const o = older.targets[0];
  const n = newer.targets[0];
  assert.ok(o && n);
  // Created without `supersede`, both are queued; starting the older one supersedes it instead.
  const again = await startTarget(t.db, o.id, W);
  assert.equal(again.status, 'superseded');
  assert.equal(again.attempts, 0);
  assert.equal(
    (await getDeployment(t.db, older.id)).targets.find((x) => x.id === o.id)?.status,
    'superseded',
  );
});

test('concurrent starts of sibling targets: exactly one runs', async () => {
  const d = await deploy('e');
  const e = await deploy('f');
  // Finish whatever still runs on c1/c2 from earlier tests.
  for (const dep of [await getDeployment(t.db, d.id), await getDeployment(t.db, e.id)]) {
    for (const x of dep.targets) assert.equal(x.status, 'queued');
  }
  const ids = [d.targets[0]?.id, e.targets[0]?.id].filter((x): x is string => !!x);
  const results = await Promise.allSettled(ids.map((id) => startTarget(t.db, id, W)));
  const running = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'running');
  assert.ok(running.length <= 1, 'never two running at once');
});
