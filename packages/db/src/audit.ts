// The audit ledger: append-only, one hash chain over every event.
//   hash = sha256(prevHash + canonicalJson(event))   (hex; the first event's prevHash is 64 zeros)
// Appends take a transaction-scoped advisory lock, read the head, and insert seq = head + 1, so
// concurrent writers queue up and the chain never forks; a rolled-back append leaves no gap.
// The lock is held until the surrounding transaction commits: append audit events as the last
// step of a transaction to keep that window short.
import { createHash } from 'node:crypto';
import { type Actor, newId } from '@tether/core';
import type { AuditEvent } from '../generated/prisma/client.ts';
import { type Db, type DbTx, withTx } from './client.ts';
import { canonicalJson, type JsonObject, toJson } from './json.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** Event types written by Tether; the column is free text so new ones need no migration. */
export type AuditEventType =
  | 'delivery.received'
  | 'cluster.created'
  | 'cluster.deleted'
  | 'application.created'
  | 'application.updated'
  | 'application.deleted'
  | 'deployment.created'
  | 'deployment.started'
  | 'deployment.succeeded'
  | 'deployment.failed'
  | 'deployment.cancelled'
  | 'deployment.superseded'
  | 'target.queued'
  | 'target.started'
  | 'target.succeeded'
  | 'target.failed'
  | 'target.retried'
  | 'target.cancelled'
  | 'target.superseded'
  | 'token.created'
  | 'token.revoked'
  | 'agent.bootstrap_created'
  | 'agent.registered'
  | 'agent.revoked'
  | (string & {});

/** Who did it and in answer to what; passed to every service that changes state. */
export interface AuditContext {
  actor: Actor;
  requestId?: string | null;
  deliveryId?: string | null;
}

export interface AuditInput extends AuditContext {
  type: AuditEventType;
  applicationId?: string | null;
  deploymentId?: string | null;
  targetId?: string | null;
  clusterId?: string | null;
  sha?: string | null;
  data?: Record<string, unknown>;
}

/** The hashed fields of an event, in the form both append and verify build. */
interface ChainedFields {
  id: string;
  seq: bigint;
  at: Date;
  type: string;
  actorType: string;
  actorName: string;
  requestId: string | null;
  deliveryId: string | null;
  applicationId: string | null;
  deploymentId: string | null;
  targetId: string | null;
  clusterId: string | null;
  sha: string | null;
  data: unknown;
}

export function auditHash(prevHash: string, e: ChainedFields): string {
  const body = canonicalJson({
    id: e.id,
    seq: e.seq.toString(),
    at: e.at.toISOString(),
    type: e.type,
    actor: { type: e.actorType, name: e.actorName },
    requestId: e.requestId,
    deliveryId: e.deliveryId,
    applicationId: e.applicationId,
    deploymentId: e.deploymentId,
    targetId: e.targetId,
    clusterId: e.clusterId,
    sha: e.sha,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

// Two-key advisory lock space ('teth', 1): cannot collide with Prisma Migrate's one-key lock.
const LOCK_SQL = 'SELECT pg_advisory_xact_lock(1952805992, 1)';

/** Appends one event to the chain, inside `db`'s transaction (or a new one). */
export function appendAudit(db: DbTx, input: AuditInput): Promise<AuditEvent> {
  return withTx(db, async (tx) => {
    await tx.$executeRawUnsafe(LOCK_SQL);
    const [head] = await tx.$queryRawUnsafe<{ seq: bigint | null; hash: string | null; now: Date }[]>(
      `SELECT h.seq, h.hash, clock_timestamp() AS now
         FROM (SELECT 1) AS one
         LEFT JOIN (SELECT seq, hash FROM "AuditEvent" ORDER BY seq DESC LIMIT 1) AS h ON true`,
    );
    if (head === undefined) throw new Error('audit head query returned no row');
    const data = toJson(input.data ?? {});
    const fields: ChainedFields = {
      id: newId('audit'),
      seq: (head.seq ?? 0n) + 1n,
      // Database time, so events from many processes stay ordered with seq.
      at: new Date(head.now.getTime()),
      type: input.type,
      actorType: input.actor.type,
      actorName: input.actor.name,
      requestId: input.requestId ?? null,
      deliveryId: input.deliveryId ?? null,
      applicationId: input.applicationId ?? null,
      deploymentId: input.deploymentId ?? null,
      targetId: input.targetId ?? null,
      clusterId: input.clusterId ?? null,
      sha: input.sha ?? null,
      data,
    };
    const prevHash = head.hash ?? GENESIS_HASH;
    return tx.auditEvent.create({
      data: { ...fields, actorType: input.actor.type, data, prevHash, hash: auditHash(prevHash, fields) },
    });
  });
}

export type AuditBreak = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';

export type AuditChainReport =
  | { ok: true; count: number; headSeq: bigint | null; headHash: string }
  | {
      ok: false;
      /** Events verified before the break. */
      count: number;
      brokenAt: { seq: bigint; id: string; reason: AuditBreak; expected: string; actual: string };
    };

/**
 * Recomputes the whole chain in seq order and reports the first broken link. It detects rows
 * edited or deleted in the middle; dropping the newest rows is only visible against a head
 * recorded elsewhere (compare `headSeq`/`headHash` with a previously exported value).
 */
export async function verifyAuditChain(
  db: Db | DbTx,
  opts: { batchSize?: number } = {},
): Promise<AuditChainReport> {
  const batchSize = opts.batchSize ?? 1000;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let count = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { seq: { gte: expectedSeq } },
      orderBy: { seq: 'asc' },
      take: batchSize,
    });
    for (const row of rows) {
      const broken = (reason: AuditBreak, expected: string, actual: string): AuditChainReport => ({
        ok: false,
        count,
        brokenAt: { seq: row.seq, id: row.id, reason, expected, actual },
      });
      if (row.seq !== expectedSeq) return broken('seq_gap', expectedSeq.toString(), row.seq.toString());
      if (row.prevHash !== prevHash) return broken('prev_hash_mismatch', prevHash, row.prevHash);
      const hash = auditHash(prevHash, { ...row, data: row.data as JsonObject });
      if (hash !== row.hash) return broken('hash_mismatch', hash, row.hash);
      prevHash = row.hash;
      expectedSeq++;
      count++;
    }
    if (rows.length < batchSize) break;
  }
  return { ok: true, count, headSeq: count === 0 ? null : expectedSeq - 1n, headHash: prevHash };
}
