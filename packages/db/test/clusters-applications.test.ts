import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyAuditChain } from '../src/audit.ts';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../src/errors.ts';
import {
  createApplication,
  deleteApplication,
  findApplicationsForPush,
  getApplicationByName,
  listApplications,
  updateApplication,
} from '../src/repos/applications.ts';
import {
  createCluster,
  deleteCluster,
  getClusterByName,
  getClusterCredentials,
  listClusters,
} from '../src/repos/clusters.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
before(async () => {
  t = await openTestDb('clusters');
});
after(async () => {
  await t?.close();
});

const auditCount = () => t.db.auditEvent.count();

test('clusters: credentials are stored but never read back, nor written to the ledger', async () => {
  const c = await createCluster(
    t.db,
    { name: 'prod', server: 'https://k8s.example:6443', token: 's3cret-token', caData: 'CA-PEM' },
    SYSTEM,
  );
  assert.match(c.id, /^clu_/);
  assert.equal('token' in c, false);
  assert.equal('caData' in c, false);
  assert.equal('token' in (await getClusterByName(t.db, 'prod')), false);
  const creds = await getClusterCredentials(t.db, c.id);
  assert.equal(creds.token, 's3cret-token');
  assert.equal(creds.caData, 'CA-PEM');
  const events = await t.db.auditEvent.findMany({ where: { clusterId: c.id } });
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'cluster.created');
  assert.ok(!JSON.stringify(events[0]?.data).includes('s3cret'));
});

test('clusters: a duplicate name is refused and leaves no audit event', async () => {
  await createCluster(t.db, { name: 'dup' }, SYSTEM);
  const before = await auditCount();
  await assert.rejects(createCluster(t.db, { name: 'dup' }, SYSTEM), AlreadyExistsError);
  assert.equal(await auditCount(), before);
});

test('applications: destinations by cluster name; an unknown cluster rolls back everything', async () => {
  await createCluster(t.db, { name: 'staging', server: 'https://s' }, SYSTEM);
  const before = await auditCount();
  await assert.rejects(
    createApplication(
      t.db,
      {
        name: 'ghost',
        repoUrl: 'https://github.com/acme/ghost',
        path: '.',
        targetRevision: 'main',
        destinations: [{ cluster: 'nope', namespace: 'x' }],
      },
      SYSTEM,
    ),
    NotFoundError,
  );
  assert.equal(await auditCount(), before);
  assert.equal(await t.db.application.count({ where: { name: 'ghost' } }), 0);

  const app = await createApplication(
    t.db,
    {
      name: 'shop',
      repoUrl: 'https://github.com/Acme/Shop.git',
      path: 'deploy',
      targetRevision: 'main',
      automated: true,
      webhookSecret: 'whsec',
      destinations: [
        { cluster: 'staging', namespace: 'shop' },
        { cluster: 'prod', namespace: 'shop' },
      ],
    },
    SYSTEM,
  );
  assert.equal(app.repoUrlNormalized, 'github.com/acme/shop');
  assert.equal(app.hasWebhookSecret, true);
  assert.equal('webhookSecret' in app, false);
  assert.deepEqual(
    app.destinations.map((d) => [d.clusterName, d.namespace]),
    [
      ['prod', 'shop'],
      ['staging', 'shop'],
    ],
  );
  assert.equal(await auditCount(), before + 1);
});

test('applications: webhook lookup matches any URL form, the branch, and automated sync only', async () => {
  await createApplication(
    t.db,
    {
      name: 'shop-manual',
      repoUrl: 'git@github.com:acme/shop.git',
      path: '.',
      targetRevision: 'main',
      automated: false,
      destinations: [{ cluster: 'staging', namespace: 'm' }],
    },
    SYSTEM,
  );
  const hits = await findApplicationsForPush(t.db, 'ssh://git@github.com/acme/shop', 'main');
  assert.deepEqual(
    hits.map((h) => h.name),
    ['shop'],
  );
  assert.equal(hits[0]?.webhookSecret, 'whsec');
  assert.deepEqual(await findApplicationsForPush(t.db, 'https://github.com/acme/shop', 'dev'), []);
});

test('applications: patch replaces destinations and is audited without secrets', async () => {
  const app = await updateApplication(
    t.db,
    'shop',
    {
      targetRevision: 'release',
      webhookSecret: 'new-secret',
      destinations: [{ cluster: 'prod', namespace: 'web' }],
    },
    SYSTEM,
  );
  assert.equal(app.targetRevision, 'release');
  assert.deepEqual(
    app.destinations.map((d) => [d.clusterName, d.namespace]),
    [['prod', 'web']],
  );
  const [event] = await t.db.auditEvent.findMany({
    where: { applicationId: app.id, type: 'application.updated' },
  });
  assert.ok(event);
  assert.ok(!JSON.stringify(event.data).includes('new-secret'));
  assert.deepEqual((event.data as { changed: string[] }).changed.sort(), [
    'destinations',
    'targetRevision',
    'webhookSecret',
  ]);
});

test('clusters: delete is refused while in use, then soft-deletes, wipes credentials and frees the name', async () => {
  await assert.rejects(deleteCluster(t.db, 'prod', SYSTEM), ConflictError);
  await deleteApplication(t.db, 'shop', SYSTEM);
  await assert.rejects(getApplicationByName(t.db, 'shop'), NotFoundError);
  const deleted = await deleteCluster(t.db, 'prod', SYSTEM);
  assert.ok(deleted.deletedAt instanceof Date);
  const row = await t.db.cluster.findUnique({ where: { id: deleted.id } });
  assert.equal(row?.token, null);
  assert.equal(row?.caData, null);
  await assert.rejects(getClusterCredentials(t.db, deleted.id), NotFoundError);
  const again = await createCluster(t.db, { name: 'prod' }, SYSTEM);
  assert.notEqual(again.id, deleted.id);
  assert.equal((await getClusterByName(t.db, 'prod')).id, again.id);
});

test('lists page by id, newest first, without repeats', async () => {
  for (let i = 0; i < 5; i++) await createCluster(t.db, { name: `page-${i}` }, SYSTEM);
  const all = await listClusters(t.db, { limit: 200 });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof listClusters>> = await listClusters(t.db, { limit: 2, cursor });
    assert.ok(page.items.length <= 2);
    seen.push(...page.items.map((c) => c.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(
    seen,
    all.items.map((c) => c.id),
  );
  assert.deepEqual(seen, [...seen].sort().reverse());
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(!seen.some((id) => all.items.find((c) => c.id === id)?.deletedAt));
  const apps = await listApplications(t.db);
  assert.deepEqual(
    apps.items.map((a) => a.name),
    ['shop-manual'],
  );
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});
