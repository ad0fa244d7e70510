// Reading the ledger. Newest first by seq (the chain order); the cursor is the last seq returned.
import { TetherError } from '@tether/core';
import type { AuditEvent, Prisma } from '../../generated/prisma/client.ts';
import type { DbTx } from '../client.ts';
import { type Page, type PageOptions, pageSize, toPage } from './page.ts';

export interface ListAuditOptions extends PageOptions {
  applicationId?: string;
  clusterId?: string;
  deploymentId?: string;
  targetId?: string;
  deliveryId?: string;
  type?: string;
  /** Inclusive lower / exclusive upper bound on `at`. */
  since?: Date;
  until?: Date;
}

function parseCursor(cursor: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(cursor)) {
    throw new TetherError('invalid_request', 'invalid audit cursor', { cursor });
  }
  return BigInt(cursor);
}

export async function listAuditEvents(db: DbTx, opts: ListAuditOptions = {}): Promise<Page<AuditEvent>> {
  const size = pageSize(opts.limit);
  const where: Prisma.AuditEventWhereInput = {};
  if (opts.applicationId !== undefined) where.applicationId = opts.applicationId;
  if (opts.clusterId !== undefined) where.clusterId = opts.clusterId;
  if (opts.deploymentId !== undefined) where.deploymentId = opts.deploymentId;
  if (opts.targetId !== undefined) where.targetId = opts.targetId;
  if (opts.deliveryId !== undefined) where.deliveryId = opts.deliveryId;
  if (opts.type !== undefined) where.type = opts.type;
  if (opts.since !== undefined || opts.until !== undefined) {
    where.at = {
      ...(opts.since !== undefined ? { gte: opts.since } : {}),
      ...(opts.until !== undefined ? { lt: opts.until } : {}),
    };
  }
  if (opts.cursor) where.seq = { lt: parseCursor(opts.cursor) };
  const rows = await db.auditEvent.findMany({ where, orderBy: { seq: 'desc' }, take: size + 1 });
  return toPage(rows, size, (r) => r.seq.toString());
}
