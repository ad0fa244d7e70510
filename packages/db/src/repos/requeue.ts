// Recovering targets whose job was lost: Redis keeps no jobs across a restart, and a worker that
// dies mid-apply leaves its target `running`. A sweeper finds such targets (findStaleTargets) and
// puts them back in line (requeueTarget) before enqueueing their job again. Same locking order as
// targets.ts (deployment row, then target row, audit last), so it composes with every transition.
import type {
  ClusterMode,
  DeploymentStatus,
  DeploymentTarget,
  TargetStatus,
} from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { InvalidTransitionError, NotFoundError, StaleLeaseError } from '../errors.ts';
import { refreshDeploymentStatus } from './targets.ts';

export interface StaleTarget {
  id: string;
  status: 'queued' | 'running';
  leaseEpoch: number;
  attempts: number;
  updatedAt: Date;
  deploymentId: string;
  applicationId: string;
  clusterId: string;
  sha: string;
}

export interface FindStaleTargetsOptions {
  /** Only targets on live clusters of this mode. */
  mode: ClusterMode;
  /** Only targets whose last change is older than this. */
  olderThan: Date;
  limit?: number;
}

/** Queued or running targets unchanged since `olderThan`, oldest id first. */
export async function findStaleTargets(db: DbTx, opts: FindStaleTargetsOptions): Promise<StaleTarget[]> {
  const rows = await db.deploymentTarget.findMany({
    where: {
      status: { in: ['queued', 'running'] },
      updatedAt: { lt: opts.olderThan },
      cluster: { mode: opts.mode, deletedAt: null },
    },
    select: {
      id: true,
      status: true,
      leaseEpoch: true,
      attempts: true,
      updatedAt: true,
      clusterId: true,
      deployment: { select: { id: true, applicationId: true, sha: true } },
    },
    orderBy: { id: 'asc' },
    take: opts.limit ?? 500,
  });
  return rows.map((r) => ({
    id: r.id,
    status: r.status as StaleTarget['status'],
    leaseEpoch: r.leaseEpoch,
    attempts: r.attempts,
    updatedAt: r.updatedAt,
    deploymentId: r.deployment.id,
    applicationId: r.deployment.applicationId,
    clusterId: r.clusterId,
    sha: r.deployment.sha,
  }));
}

export interface RequeueOptions {
  /** The state the caller saw; refused (InvalidTransitionError) if the target has moved since. */
  from: 'queued' | 'running';
  /** The lease epoch the caller saw; refused (StaleLeaseError) if it changed since. */
  epoch: number;
  /** Why, e.g. `job_missing`, `worker_lost`, `redelivered`; recorded in the audit event. */
  reason: string;
  data?: Record<string, unknown>;
}

/**
 * Audited as `target.requeued`. A running target goes back to queued with a new lease epoch, so
 * the lost holder's late report is refused; a queued one stays queued (its job is being replaced).
 */
export function requeueTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: RequeueOptions,
): Promise<DeploymentTarget> {
  return withTx(db, async (tx) => {
    const ref = await tx.deploymentTarget.findUnique({
      where: { id: targetId },
      select: { deploymentId: true },
    });
    if (ref === null) throw new NotFoundError('target', targetId);
    const [deployment] = await tx.$queryRaw<
      { id: string; applicationId: string; sha: string; status: DeploymentStatus }[]
    >`SELECT id, "applicationId", sha, status::text AS status FROM "Deployment" WHERE id = ${ref.deploymentId} FOR UPDATE`;
    const [target] = await tx.$queryRaw<
      { id: string; status: TargetStatus; leaseEpoch: number; clusterId: string }[]
    >`SELECT id, status::text AS status, "leaseEpoch", "clusterId" FROM "DeploymentTarget" WHERE id = ${targetId} FOR UPDATE`;
    if (deployment === undefined || target === undefined) throw new NotFoundError('target', targetId);
    if (target.status !== opts.from) {
      throw new InvalidTransitionError('target', targetId, target.status, 'queued');
    }
    if (target.leaseEpoch !== opts.epoch) throw new StaleLeaseError(targetId, opts.epoch, target.leaseEpoch);

    const updated = await tx.deploymentTarget.update({
      where: { id: targetId },
      data:
        opts.from === 'running'
          ? {
              status: 'queued',
              leaseEpoch: { increment: 1 },
              leaseOwner: null,
              leaseExpiresAt: null,
              error: `requeued: ${opts.reason}`,
              errorCode: 'unavailable',
            }
          : // Touch updatedAt so the next sweep waits a full grace period for the new job.
            { status: 'queued' },
    });
    await appendAudit(tx, {
      ...ctx,
      type: 'target.requeued',
      applicationId: deployment.applicationId,
      deploymentId: deployment.id,
      targetId,
      clusterId: target.clusterId,
      sha: deployment.sha,
      data: {
        from: target.status,
        to: 'queued',
        attempts: updated.attempts,
        reason: opts.reason,
        ...opts.data,
      },
    });
    await refreshDeploymentStatus(tx, deployment, ctx);
    return updated;
  });
}
