import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendAudit, GENESIS_HASH, verifyAuditChain } from '../src/audit.ts';
import { openTestDb, SYSTEM, type TestDb } from './helpers.ts';

let t: TestDb;
before(async () => {
  t = await openTestDb('audit', 12);
});
after(async () => {
  await t?.close();
});

async function resetLedger(): Promise<void> {
  await t.db.$executeRawUnsafe('TRUNCATE "AuditEvent"');
}

test('appends link each event to the previous one, starting from the genesis hash', async () => {
  await resetLedger();
  const a = await appendAudit(t.db, {
    ...SYSTEM,
    type: 'cluster.created',
    clusterId: 'clu_1',
    data: { n: 1 },
  });
  const b = await appendAudit(t.db, { ...SYSTEM, type: 'cluster.deleted', clusterId: 'clu_1' });
  assert.equal(a.seq, 1n);
  assert.equal(a.prevHash, GENESIS_HASH);
  assert.equal(b.seq, 2n);
  assert.equal(b.prevHash, a.hash);
  assert.match(b.hash, /^[0-9a-f]{64}$/);
  assert.ok(b.at.getTime() >= a.at.getTime());
  const report = await verifyAuditChain(t.db);
  assert.deepEqual(report, { ok: true, count: 2, headSeq: 2n, headHash: b.hash });
});

test('concurrent appends from many connections form one unbroken chain', async () => {
  await resetLedger();
  const n = 60;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      appendAudit(t.db, { ...SYSTEM, type: 'target.queued', targetId: `tgt_${i}`, data: { i } }),
    ),
  );
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  assert.deepEqual(
    rows.map((r) => r.seq),
    Array.from({ length: n }, (_, i) => BigInt(i + 1)),
  );
  assert.equal(new Set(rows.map((r) => r.prevHash)).size, n, 'no two events share a predecessor');
  const report = await verifyAuditChain(t.db, { batchSize: 7 });
  assert.equal(report.ok, true);
  assert.equal(report.count, n);
});

test('an append rolled back with its transaction leaves no trace and no gap', async () => {
  await resetLedger();
  await appendAudit(t.db, { ...SYSTEM, type: 'a' });
  await assert.rejects(
    t.db.$transaction(async (tx) => {
      await appendAudit(tx, { ...SYSTEM, type: 'b' });
      throw new Error('abort');
    }),
    /abort/,
  );
  const c = await appendAudit(t.db, { ...SYSTEM, type: 'c' });
  assert.equal(c.seq, 2n);
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});

test('data is hashed in canonical form: key order and Dates survive the JSONB round trip', async () => {
  await resetLedger();
  await appendAudit(t.db, {
    ...SYSTEM,
    type: 'x',
    data: { z: 1, a: { y: [3, { b: 1, a: 2 }], x: null }, when: new Date(0), skip: undefined, f: 1.5 },
  });
  assert.equal((await verifyAuditChain(t.db)).ok, true);
});

test('verify finds a row edited behind its back, a forged link and a deleted row', async () => {
  await resetLedger();
  for (let i = 0; i < 6; i++) await appendAudit(t.db, { ...SYSTEM, type: 'e', data: { i } });

  await t.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET data = '{"i": 99}' WHERE seq = 4`);
  let report = await verifyAuditChain(t.db);
  assert.equal(report.ok, false);
  if (!report.ok) {
    assert.equal(report.brokenAt.seq, 4n);
    assert.equal(report.brokenAt.reason, 'hash_mismatch');
    assert.equal(report.count, 3);
  }

  await t.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET data = '{"i": 3}' WHERE seq = 4`);
  assert.equal((await verifyAuditChain(t.db)).ok, true, 'restoring the data restores the chain');

  // Rewriting a row's own hash to match its edit breaks the next link.
  await t.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET hash = repeat('f', 64) WHERE seq = 2`);
  report = await verifyAuditChain(t.db);
  assert.equal(report.ok, false);
  if (!report.ok) assert.equal(report.brokenAt.seq, 2n);

  await resetLedger();
  for (let i = 0; i < 4; i++) await appendAudit(t.db, { ...SYSTEM, type: 'e', data: { i } });
  await t.db.$executeRawUnsafe('DELETE FROM "AuditEvent" WHERE seq = 2');
  report = await verifyAuditChain(t.db);
  assert.equal(report.ok, false);
  if (!report.ok) {
    assert.equal(report.brokenAt.reason, 'seq_gap');
    assert.equal(report.brokenAt.seq, 3n);
  }
});
