// Heartbeats and results from the holder of a lease. Both are fenced: the epoch the agent got at
// claim time must still be the target's, else 409 lease_lost. The database is the record and is
// written first; the queue job is then told the same (a lost queue lock only means the job comes
// back to the lane and is dropped as finished when next claimed).
import type { Logger } from '@tether/core';
import {
  type AgentRecord,
  type AuditContext,
  expireLease,
  failTarget,
  getTarget,
  InvalidTransitionError,
  LeaseLostError,
  NotFoundError,
  renewAgentLease,
  StaleLeaseError,
  succeedTarget,
  type TargetAction,
  type TargetObjectResult,
} from '@tether/db';
import { LockLostError, laneFor } from '@tether/queue';
import type { PullContext } from './context.ts';

export interface Lease {
  targetId: string;
  epoch: number;
}

export interface ObjectReport {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  action: string;
  error?: string | undefined;
}

export interface ResultReport extends Lease {
  status: 'succeeded' | 'failed';
  objects: ObjectReport[];
  error?: { code: string; message: string; transient: boolean } | undefined;
}

/** The target, if it belongs to the agent's cluster; any other cluster's target does not exist. */
async function ownTarget(ctx: PullContext, agent: AgentRecord, targetId: string) {
  try {
    const target = await getTarget(ctx.db, targetId);
    if (target.clusterId === agent.clusterId) return target;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  throw new NotFoundError('target', targetId);
}

export async function heartbeat(
  ctx: PullContext,
  agent: AgentRecord,
  lease: Lease,
  audit: AuditContext,
): Promise<{ leaseExpiresAt: string; cancel: boolean }> {
  await ownTarget(ctx, agent, lease.targetId);
  const { leaseTtlMs, maxAttempts } = ctx.settings;
  const renewed = await renewAgentLease(ctx.db, lease.targetId, {
    epoch: lease.epoch,
    agentId: agent.id,
    leaseMs: leaseTtlMs,
  });
  const lane = laneFor({ mode: 'pull', clusterId: agent.clusterId });
  if (!renewed.renewed) {
    // Cancelled under this lease: the agent stops without reporting, so the job is settled here.
    await settle(ctx.logger, ctx.claimer.complete(lane, lease.targetId, agent.id, { status: 'cancelled' }));
    return { leaseExpiresAt: new Date().toISOString(), cancel: true };
  }
  try {
    await ctx.claimer.extendLock(lane, lease.targetId, agent.id, leaseTtlMs);
  } catch (err) {
    if (!(err instanceof LockLostError)) throw err;
    // The queue already gave the job back (this agent was silent for a whole TTL): end the
    // lease now, so the next claim starts cleanly, and tell the agent to stop.
    await expireLease(ctx.db, lease.targetId, audit, {
      epoch: lease.epoch,
      maxAttempts,
      reason: 'lock_lost',
    });
    throw new LeaseLostError(lease.targetId, { epoch: lease.epoch, reason: 'queue lock lost' });
  }
  return { leaseExpiresAt: renewed.leaseExpiresAt.toISOString(), cancel: false };
}

export async function recordResult(
  ctx: PullContext,
  agent: AgentRecord,
  report: ResultReport,
  audit: AuditContext,
  log: Logger,
): Promise<{ status: string }> {
  const target = await ownTarget(ctx, agent, report.targetId);
  if (target.leaseEpoch === report.epoch && target.status === report.status) {
    // A retried report whose first copy was recorded: same answer.
    return { status: target.status };
  }
  if (target.status !== 'running' || target.leaseEpoch !== report.epoch || target.leaseOwner !== agent.id) {
    throw new LeaseLostError(report.targetId, {
      epoch: report.epoch,
      current: target.leaseEpoch,
      status: target.status,
    });
  }
  const objects = report.objects.map(toRecord);
  const lane = laneFor({ mode: 'pull', clusterId: agent.clusterId });
  const { epoch } = report;
  let next: string;
  try {
    if (report.status === 'succeeded') {
      await succeedTarget(ctx.db, target.id, audit, { objects, epoch });
      next = 'succeeded';
      await settle(log, ctx.claimer.complete(lane, target.id, agent.id, { status: next }));
    } else {
      const error = report.error ?? {
        code: 'apply_failed',
        message: 'the agent reported a failure',
        transient: false,
      };
      const retry = error.transient && target.attempts < ctx.settings.maxAttempts;
      await failTarget(ctx.db, target.id, audit, {
        error: error.message,
        errorCode: error.code,
        objects,
        epoch,
        retry,
      });
      next = retry ? 'queued' : 'failed';
      // Transient: BullMQ retries it after the catalog's backoff; permanent: final.
      await settle(
        log,
        ctx.claimer.fail(lane, target.id, agent.id, `${error.code}: ${error.message}`, { permanent: !retry }),
      );
    }
  } catch (err) {
    if (err instanceof InvalidTransitionError || err instanceof StaleLeaseError) {
      throw new LeaseLostError(report.targetId, { epoch: report.epoch });
    }
    throw err;
  }
  log.info({ targetId: target.id, epoch, status: next, objects: objects.length }, 'result recorded');
  return { status: next };
}

async function settle(log: Logger, op: Promise<void>): Promise<void> {
  try {
    await op;
  } catch (err) {
    if (!(err instanceof LockLostError)) throw err;
    log.warn({ err: err.message }, 'queue lock lost before the result; the job is dropped when next claimed');
  }
}

function toRecord(o: ObjectReport): TargetObjectResult {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.namespace ?? null,
    name: o.name,
    // Stored as reported: an agent may know actions this version of the API does not.
    action: o.action as TargetAction,
    ...(o.error ? { message: o.error } : {}),
  };
}
