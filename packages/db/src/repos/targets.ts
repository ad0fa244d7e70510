// Deployment targets: the unit of work. Every move goes through transition(), which locks the
// deployment row and then the target row (always in that order, so concurrent transitions of
// sibling targets neither deadlock nor miss each other), checks the state machine and the lease
// epoch, writes the change, the audit event and the deployment's derived status in one transaction.
import type {
  DeploymentStatus,
  DeploymentTarget,
  Prisma,
  TargetStatus,
} from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, type Tx, withTx } from '../client.ts';
import { InvalidTransitionError, NotFoundError, StaleLeaseError } from '../errors.ts';
import { toJson } from '../json.ts';
import { canTransition, deploymentStatusOf, isTerminal } from '../state.ts';
import { passTargetGate } from './target-gate.ts';

export type TargetAction =
  | 'created'
  | 'configured'
  | 'unchanged'
  | 'failed'
  | 'pruned'
  | 'orphaned'
  | 'skipped';

/** One object's outcome, stored in DeploymentTarget.objects. */
export interface TargetObjectResult {
  apiVersion: string;
  kind: string;
  namespace?: string | null;
  name: string;
  action: TargetAction;
  message?: string;
}

interface Locked {
  target: { id: string; status: TargetStatus; leaseEpoch: number; clusterId: string };
  deployment: { id: string; applicationId: string; sha: string; status: DeploymentStatus };
}

async function lock(tx: Tx, targetId: string): Promise<Locked> {
  const ref = await tx.deploymentTarget.findUnique({
    where: { id: targetId },
    select: { deploymentId: true },
  });
  if (ref === null) throw new NotFoundError('target', targetId);
  const [deployment] = await tx.$queryRaw<Locked['deployment'][]>`
    SELECT id, "applicationId", sha, status::text AS status FROM "Deployment" WHERE id = ${ref.deploymentId} FOR UPDATE`;
  const [target] = await tx.$queryRaw<Locked['target'][]>`
    SELECT id, status::text AS status, "leaseEpoch", "clusterId" FROM "DeploymentTarget" WHERE id = ${targetId} FOR UPDATE`;
  if (deployment === undefined || target === undefined) throw new NotFoundError('target', targetId);
  return { deployment, target };
}

interface Move {
  to: TargetStatus;
  data: Prisma.DeploymentTargetUpdateInput;
  audit: { type: string; data?: Record<string, unknown> };
  /** Fencing token the caller holds; refused unless it is the current one. */
  epoch?: number | undefined;
}

function transition(db: DbTx, targetId: string, ctx: AuditContext, move: (l: Locked) => Move) {
  return withTx(db, async (tx) => {
    const locked = await lock(tx, targetId);
    const m = move(locked);
    const { target, deployment } = locked;
    if (!canTransition(target.status, m.to)) {
      throw new InvalidTransitionError('target', targetId, target.status, m.to);
    }
    if (m.epoch !== undefined && m.epoch !== target.leaseEpoch) {
      throw new StaleLeaseError(targetId, m.epoch, target.leaseEpoch);
    }
    const updated = await tx.deploymentTarget.update({
      where: { id: targetId },
      data: { ...m.data, status: m.to },
    });
    await appendAudit(tx, {
      ...ctx,
      type: m.audit.type,
      applicationId: deployment.applicationId,
      deploymentId: deployment.id,
      targetId,
      clusterId: target.clusterId,
      sha: deployment.sha,
      data: { from: target.status, to: m.to, attempts: updated.attempts, ...m.audit.data },
    });
    await refreshDeploymentStatus(tx, deployment, ctx);
    return updated;
  });
}

/** Recomputes a (locked) deployment's status from its targets; audits starts and endings. */
export async function refreshDeploymentStatus(
  tx: Tx,
  deployment: Locked['deployment'],
  ctx: AuditContext,
): Promise<DeploymentStatus> {
  const targets = await tx.deploymentTarget.findMany({
    where: { deploymentId: deployment.id },
    select: { status: true },
  });
  let next = deploymentStatusOf(targets.map((t) => t.status));
  // A retry puts a target back in the queue; the deployment has still started.
  if (next === 'queued' && deployment.status !== 'queued') next = 'running';
  if (next === deployment.status) return next;
  const terminal = isTerminal(next);
  await tx.deployment.update({
    where: { id: deployment.id },
    data: { status: next, ...(terminal ? { finishedAt: new Date() } : {}) },
  });
  await appendAudit(tx, {
    ...ctx,
    type: next === 'running' ? 'deployment.started' : `deployment.${next}`,
    applicationId: deployment.applicationId,
    deploymentId: deployment.id,
    sha: deployment.sha,
    data: { from: deployment.status, to: next },
  });
  return next;
}

export interface StartOptions {
  /** Pull agents: who holds the target, and for how long before it may be reclaimed. */
  leaseOwner?: string;
  leaseMs?: number;
}

/**
 * queued → running: counts an attempt and bumps the lease epoch (the new fencing token).
 * Latest wins: when a newer target of the same application and cluster exists, this one ends
 * `superseded` instead and is returned with that status (callers must check). When another one
 * is running, TargetBusyError: applies of one application to one cluster never overlap.
 */
export function startTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: StartOptions = {},
): Promise<DeploymentTarget> {
  return withTx(db, async (tx) => {
    const gate = await passTargetGate(tx, targetId);
    if (gate.kind === 'superseded') {
      return cancelTarget(tx, targetId, ctx, { superseded: true, reason: `superseded by ${gate.by}` });
    }
    const now = new Date();
    return transition(tx, targetId, ctx, () => ({
      to: 'running',
      data: {
        attempts: { increment: 1 },
        startedAt: now,
        finishedAt: null,
        leaseEpoch: { increment: 1 },
        leaseOwner: opts.leaseOwner ?? null,
        leaseExpiresAt: opts.leaseMs === undefined ? null : new Date(now.getTime() + opts.leaseMs),
      },
      audit: { type: 'target.started', data: opts.leaseOwner ? { leaseOwner: opts.leaseOwner } : {} },
    }));
  });
}

export interface SucceedOptions {
  objects: TargetObjectResult[];
  epoch?: number;
}

/** running → succeeded, with the per-object results. */
export function succeedTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: SucceedOptions,
): Promise<DeploymentTarget> {
  return transition(db, targetId, ctx, () => ({
    to: 'succeeded',
    epoch: opts.epoch,
    data: {
      objects: toJson(opts.objects),
      error: null,
      errorCode: null,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    },
    audit: { type: 'target.succeeded', data: { objects: summarise(opts.objects) } },
  }));
}

export interface FailOptions {
  error: string;
  /** A stable code (@tether/core ERROR_CODES or an executor's own). */
  errorCode?: string;
  objects?: TargetObjectResult[];
  /** Put it back in the queue for another attempt instead of failing it for good. */
  retry?: boolean;
  epoch?: number;
}

/** running → failed, or running → queued when `retry` (audited as target.retried). */
export function failTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: FailOptions,
): Promise<DeploymentTarget> {
  return transition(db, targetId, ctx, () => ({
    to: opts.retry === true ? 'queued' : 'failed',
    epoch: opts.epoch,
    data: {
      error: opts.error,
      errorCode: opts.errorCode ?? null,
      ...(opts.objects !== undefined ? { objects: toJson(opts.objects) } : {}),
      ...(opts.retry === true ? {} : { finishedAt: new Date() }),
      leaseOwner: null,
      leaseExpiresAt: null,
    },
    audit: {
      type: opts.retry === true ? 'target.retried' : 'target.failed',
      data: { error: opts.error, errorCode: opts.errorCode ?? null },
    },
  }));
}

/** queued|running → cancelled, or queued → superseded (a newer deployment replaced it). */
export function cancelTarget(
  db: DbTx,
  targetId: string,
  ctx: AuditContext,
  opts: { superseded?: boolean; reason?: string } = {},
): Promise<DeploymentTarget> {
  const to: TargetStatus = opts.superseded === true ? 'superseded' : 'cancelled';
  return transition(db, targetId, ctx, () => ({
    to,
    data: { finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
    audit: { type: `target.${to}`, data: opts.reason ? { reason: opts.reason } : {} },
  }));
}

/** Extends a running target's lease for its holder; refused for a stale epoch. No audit event. */
export async function renewLease(
  db: DbTx,
  targetId: string,
  opts: { epoch: number; leaseMs: number },
): Promise<DeploymentTarget> {
  const res = await db.deploymentTarget.updateMany({
    where: { id: targetId, status: 'running', leaseEpoch: opts.epoch },
    data: { leaseExpiresAt: new Date(Date.now() + opts.leaseMs) },
  });
  const target = await db.deploymentTarget.findUnique({ where: { id: targetId } });
  if (target === null) throw new NotFoundError('target', targetId);
  if (res.count === 0) {
    if (target.status !== 'running')
      throw new InvalidTransitionError('target', targetId, target.status, 'running');
    throw new StaleLeaseError(targetId, opts.epoch, target.leaseEpoch);
  }
  return target;
}

/** Running targets whose lease ran out go back to the queue (their holder is presumed gone). */
export async function requeueExpiredLeases(
  db: DbTx,
  ctx: AuditContext,
  now: Date = new Date(),
): Promise<string[]> {
  const expired = await db.deploymentTarget.findMany({
    where: { status: 'running', leaseExpiresAt: { lt: now } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const requeued: string[] = [];
  for (const { id } of expired) {
    try {
      await transition(db, id, ctx, (l) => ({
        to: 'queued',
        epoch: l.target.leaseEpoch,
        data: { error: 'lease expired', errorCode: 'unavailable', leaseOwner: null, leaseExpiresAt: null },
        audit: { type: 'target.retried', data: { reason: 'lease_expired' } },
      }));
      requeued.push(id);
    } catch (err) {
      // Finished or renewed meanwhile: nothing to do.
      if (!(err instanceof InvalidTransitionError)) throw err;
    }
  }
  return requeued;
}

export async function getTarget(db: DbTx, targetId: string): Promise<DeploymentTarget> {
  const target = await db.deploymentTarget.findUnique({ where: { id: targetId } });
  if (target === null) throw new NotFoundError('target', targetId);
  return target;
}

/** Everything an executor needs to run a target (credentials excepted: getClusterCredentials). */
export async function getTargetWork(db: DbTx, targetId: string) {
  const target = await db.deploymentTarget.findUnique({
    where: { id: targetId },
    include: {
      cluster: { select: { id: true, name: true, mode: true, deletedAt: true } },
      deployment: {
        select: {
          id: true,
          revision: true,
          sha: true,
          trigger: true,
          application: {
            select: {
              id: true,
              name: true,
              repoUrl: true,
              path: true,
              prune: true,
              selfHeal: true,
              createNamespace: true,
            },
          },
        },
      },
    },
  });
  if (target === null) throw new NotFoundError('target', targetId);
  return target;
}

export type TargetWork = Awaited<ReturnType<typeof getTargetWork>>;

function summarise(objects: TargetObjectResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.action] = (counts[o.action] ?? 0) + 1;
  return counts;
}
