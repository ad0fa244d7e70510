// Pull-mode leases. The API claims a target for an agent for a limited time (the lease), the
// agent extends it with heartbeats, and a lease that runs out puts the target back in the queue.
// Every claim bumps leaseEpoch, the fencing token: a stale holder's heartbeats and reports carry
// an old epoch and are refused. Same state machine, locking order (deployment row, then target
// row, audit last) and audit vocabulary as targets.ts and the push worker.
import { TetherError } from '@tether/core';
import type {
  DeploymentStatus,
  DeploymentTarget,
  Prisma,
  TargetStatus,
} from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, type Tx, withTx } from '../client.ts';
import { NotFoundError } from '../errors.ts';
import { isTerminal } from '../state.ts';
import { passTargetGate } from './target-gate.ts';
import { cancelTarget, refreshDeploymentStatus } from './targets.ts';

/** The caller's lease is gone: expired and re-claimed, or the target moved on. Stop, do not report. */
export class LeaseLostError extends TetherError {
  constructor(targetId: string, details: Record<string, unknown> = {}) {
    super('lease_lost', `target ${targetId}: this lease is no longer held`, { targetId, ...details });
    this.name = 'LeaseLostError';
  }
}

interface LockedTarget {
  id: string;
  status: TargetStatus;
  leaseEpoch: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  clusterId: string;
  errorCode: string | null;
}

interface LockedDeployment {
  id: string;
  applicationId: string;
  sha: string;
  status: DeploymentStatus;
}

async function lockTarget(tx: Tx, targetId: string): Promise<{ t: LockedTarget; d: LockedDeployment }> {
  const ref = await tx.deploymentTarget.findUnique({
    where: { id: targetId },
    select: { deploymentId: true },
  });
  if (ref === null) throw new NotFoundError('target', targetId);
  const [d] = await tx.$queryRaw<LockedDeployment[]>`
    SELECT id, "applicationId", sha, status::text AS status FROM "Deployment" WHERE id = ${ref.deploymentId} FOR UPDATE`;
  const [t] = await tx.$queryRaw<LockedTarget[]>`
    SELECT id, status::text AS status, "leaseEpoch", "leaseOwner", "leaseExpiresAt", attempts, "clusterId", "errorCode"
    FROM "DeploymentTarget" WHERE id = ${targetId} FOR UPDATE`;
  if (d === undefined || t === undefined) throw new NotFoundError('target', targetId);
  return { t, d };
}

function auditTarget(
  tx: Tx,
  ctx: AuditContext,
  l: { t: LockedTarget; d: LockedDeployment },
  type: string,
  data: Record<string, unknown>,
) {
  return appendAudit(tx, {
    ...ctx,
    type,
    applicationId: l.d.applicationId,
    deploymentId: l.d.id,
    targetId: l.t.id,
    clusterId: l.t.clusterId,
    sha: l.d.sha,
    data,
  });
}

const RELEASED = { leaseOwner: null, leaseExpiresAt: null } satisfies Prisma.DeploymentTargetUpdateInput;

export type PullStart =
  /** Running for this agent under a new epoch. */
  | { kind: 'started'; target: DeploymentTarget; redelivery: boolean }
  /** Already finished (a redelivered job never applies twice): nothing to run. */
  | { kind: 'finished'; status: TargetStatus }
  /** A newer target of the same application and cluster exists (latest wins): superseded now. */
  | { kind: 'superseded'; target: DeploymentTarget }
  /** Running under a holder without a lease (a push worker, before a mode switch): left alone. */
  | { kind: 'held'; owner: string | null }
  /** Its attempts are used up: failed now. */
  | { kind: 'exhausted'; target: DeploymentTarget };

export interface PullStartOptions {
  agentId: string;
  leaseMs: number;
  /** The job catalog's attempts for target.sync: starts beyond this fail the target instead. */
  maxAttempts: number;
}

/**
 * An agent claimed the target's job: queued → running with attempts + 1, a new epoch and a lease
 * (audited as target.started, like the push worker's start, with the agent and epoch). A target
 * still running under an earlier lease was abandoned (its job came back because the holder stopped
 * heartbeating): that lease is expired first (target.lease_expired) in the same transaction.
 * Latest wins, as for startTarget: a newer sibling (same application and cluster) supersedes it,
 * a running sibling throws TargetBusyError (applies of one application to one cluster never overlap).
 */
export function startPullTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: PullStartOptions,
): Promise<PullStart> {
  return withTx(db, async (tx) => {
    // The gate's lock first, then the rows: the same order as startTarget, so no deadlock.
    const gate = await passTargetGate(tx, targetId);
    const l = await lockTarget(tx, targetId);
    const { t } = l;
    if (isTerminal(t.status)) return { kind: 'finished', status: t.status };
    const now = new Date();
    let from: TargetStatus = t.status;
    if (t.status === 'running') {
      if (t.leaseExpiresAt === null) return { kind: 'held', owner: t.leaseOwner };
      await tx.deploymentTarget.update({
        where: { id: targetId },
        data: { status: 'queued', ...RELEASED, error: 'lease expired', errorCode: 'lease_expired' },
      });
      await auditTarget(tx, ctx, l, 'target.lease_expired', {
        from: 'running',
        to: 'queued',
        attempts: t.attempts,
        agentId: t.leaseOwner,
        epoch: t.leaseEpoch,
        leaseExpiresAt: t.leaseExpiresAt.toISOString(),
        reason: t.leaseExpiresAt < now ? 'expired' : 'redelivered',
      });
      from = 'queued';
    }
    if (gate.kind === 'superseded') {
      const target = await cancelTarget(tx, targetId, ctx, {
        superseded: true,
        reason: `superseded by ${gate.by}`,
      });
      return { kind: 'superseded', target };
    }
    if (t.attempts >= opts.maxAttempts) {
      const error = `gave up after ${t.attempts} attempt(s)`;
      const target = await tx.deploymentTarget.update({
        where: { id: targetId },
        data: {
          status: 'failed',
          ...RELEASED,
          finishedAt: now,
          error,
          errorCode: from === t.status ? (t.errorCode ?? 'attempts_exhausted') : 'lease_expired',
        },
      });
      await auditTarget(tx, ctx, l, 'target.failed', {
        from,
        to: 'failed',
        attempts: t.attempts,
        error,
        errorCode: target.errorCode,
      });
      await refreshDeploymentStatus(tx, l.d, ctx);
      return { kind: 'exhausted', target };
    }
    const leaseExpiresAt = new Date(now.getTime() + opts.leaseMs);
    const target = await tx.deploymentTarget.update({
      where: { id: targetId },
      data: {
        status: 'running',
        attempts: { increment: 1 },
        startedAt: now,
        finishedAt: null,
        leaseEpoch: { increment: 1 },
        leaseOwner: opts.agentId,
        leaseExpiresAt,
        bundleDigest: null,
      },
    });
    await auditTarget(tx, ctx, l, 'target.started', {
      from,
      to: 'running',
      attempts: target.attempts,
      leaseOwner: opts.agentId,
      epoch: target.leaseEpoch,
      leaseExpiresAt: leaseExpiresAt.toISOString(),
      redelivery: t.attempts > 0,
    });
    await refreshDeploymentStatus(tx, l.d, ctx);
    return { kind: 'started', target, redelivery: t.attempts > 0 };
  });
}

/** Records which bundle the holder of `epoch` was handed; false when the lease moved on. */
export async function attachBundle(
  db: DbTx,
  targetId: string,
  opts: { epoch: number; digest: string },
): Promise<boolean> {
  const res = await db.deploymentTarget.updateMany({
    where: { id: targetId, status: 'running', leaseEpoch: opts.epoch },
    data: { bundleDigest: opts.digest },
  });
  return res.count === 1;
}

export type LeaseRenewal = { renewed: true; leaseExpiresAt: Date } | { renewed: false; cancelled: true };

/**
 * A heartbeat: the lease runs leaseMs from now. Answers `cancelled` when the target was cancelled
 * under this very lease; throws LeaseLostError when the epoch or holder is no longer current.
 */
export async function renewAgentLease(
  db: DbTx,
  targetId: string,
  opts: { epoch: number; agentId: string; leaseMs: number },
): Promise<LeaseRenewal> {
  const leaseExpiresAt = new Date(Date.now() + opts.leaseMs);
  const res = await db.deploymentTarget.updateMany({
    where: { id: targetId, status: 'running', leaseEpoch: opts.epoch, leaseOwner: opts.agentId },
    data: { leaseExpiresAt },
  });
  if (res.count === 1) return { renewed: true, leaseExpiresAt };
  const t = await db.deploymentTarget.findUnique({
    where: { id: targetId },
    select: { status: true, leaseEpoch: true },
  });
  if (t === null) throw new NotFoundError('target', targetId);
  if (t.status === 'cancelled' && t.leaseEpoch === opts.epoch) return { renewed: false, cancelled: true };
  throw new LeaseLostError(targetId, { epoch: opts.epoch, current: t.leaseEpoch, status: t.status });
}

export interface ExpiredLease {
  id: string;
  clusterId: string;
  leaseEpoch: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date;
}

/** Running targets whose lease ran out before `now`, oldest expiry first. */
export async function findExpiredLeases(
  db: DbTx,
  opts: { now?: Date; limit?: number } = {},
): Promise<ExpiredLease[]> {
  const rows = await db.deploymentTarget.findMany({
    where: { status: 'running', leaseExpiresAt: { lt: opts.now ?? new Date() } },
    select: { id: true, clusterId: true, leaseEpoch: true, leaseOwner: true, leaseExpiresAt: true },
    orderBy: { leaseExpiresAt: 'asc' },
    take: opts.limit ?? 500,
  });
  return rows.flatMap((r) => (r.leaseExpiresAt ? [{ ...r, leaseExpiresAt: r.leaseExpiresAt }] : []));
}

export interface ExpireOptions {
  /** The lease being expired; nothing happens if the target has been claimed again since. */
  epoch: number;
  maxAttempts: number;
  /** `expired`: only if the lease has run out. `lock_lost`: the queue gave the job away. */
  reason: 'expired' | 'lock_lost';
}

/**
 * Ends a lease whose holder is presumed gone: running → queued (target.lease_expired), or failed
 * when its attempts are used up. The job itself comes back through the queue. Undefined when the
 * target was finished, renewed or re-claimed meanwhile.
 */
export function expireLease(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: ExpireOptions,
): Promise<DeploymentTarget | undefined> {
  return withTx(db, async (tx) => {
    const l = await lockTarget(tx, targetId);
    const { t } = l;
    const now = new Date();
    if (t.status !== 'running' || t.leaseEpoch !== opts.epoch || t.leaseExpiresAt === null) return undefined;
    if (opts.reason === 'expired' && t.leaseExpiresAt >= now) return undefined;
    const exhausted = t.attempts >= opts.maxAttempts;
    const error = exhausted ? `lease expired on the last of ${t.attempts} attempt(s)` : 'lease expired';
    const target = await tx.deploymentTarget.update({
      where: { id: targetId },
      data: {
        status: exhausted ? 'failed' : 'queued',
        ...RELEASED,
        error,
        errorCode: 'lease_expired',
        ...(exhausted ? { finishedAt: now } : {}),
      },
    });
    await auditTarget(tx, ctx, l, 'target.lease_expired', {
      from: 'running',
      to: 'queued',
      attempts: t.attempts,
      agentId: t.leaseOwner,
      epoch: t.leaseEpoch,
      leaseExpiresAt: t.leaseExpiresAt.toISOString(),
      reason: opts.reason,
    });
    if (exhausted) {
      await auditTarget(tx, ctx, l, 'target.failed', {
        from: 'queued',
        to: 'failed',
        attempts: t.attempts,
        error,
        errorCode: 'lease_expired',
      });
    }
    await refreshDeploymentStatus(tx, l.d, ctx);
    return target;
  });
}
