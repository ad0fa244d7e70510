// The `target.sync` handler of the push lane: claim the target, render the commit, apply it to the
// cluster, record the outcome. Every state change goes through @tether/db's services, which write
// the audit event in the same transaction.
import type { AuditContext, Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import type { JobContext, JobHandler, JobPayload } from '@tether/queue';
import { applyToCluster } from './apply.ts';
import { watchCancellation } from './cancellation.ts';
import { type Claim, claimTarget, type SkipReason } from './claim.ts';
import { classifyFailure, isShutdownAbort } from './failure.ts';
import { type AttemptOutcome, recordOutcome, type SyncResult } from './record.ts';
import { fetchAndRender } from './render.ts';

export interface SyncTargetDeps {
  db: Db;
  mirrors: GitMirrorCache;
  workerId: string;
  kubeTimeoutMs: number;
  healthTimeoutMs: number;
  missingTargetGraceMs: number;
}

export type SyncTargetResult = SyncResult | { skipped: SkipReason; status?: string };

export function createSyncTargetHandler(deps: SyncTargetDeps): JobHandler<'target.sync'> {
  return async (payload: JobPayload<'target.sync'>, ctx: JobContext): Promise<SyncTargetResult> => {
    const logger = ctx.logger.child({
      targetId: payload.targetId,
      sha: payload.sha,
      clusterId: payload.clusterId,
    });
    const audit: AuditContext = { actor: { type: 'worker', name: deps.workerId } };
    const claim = await claimTarget({ ...deps, audit, logger, signal: ctx.signal }, payload);
    if (claim.kind === 'skip')
      return { skipped: claim.reason, ...(claim.status ? { status: claim.status } : {}) };
    const outcome = await attempt(deps, claim, ctx);
    return recordOutcome(
      { db: deps.db, audit, targetId: payload.targetId, epoch: claim.started.leaseEpoch, ctx, logger },
      outcome,
    );
  };
}

async function attempt(
  deps: SyncTargetDeps,
  claim: Extract<Claim, { kind: 'run' }>,
  ctx: JobContext,
): Promise<AttemptOutcome> {
  const logger = ctx.logger.child({ targetId: claim.work.id, attempt: claim.started.attempts });
  const watch = watchCancellation(deps.db, claim.work.id, ctx.signal, logger);
  const { signal } = watch;
  let outcome: AttemptOutcome;
  try {
    // A bad manifest or a missing path throws here, before anything reaches the cluster.
    const objects = await fetchAndRender(deps.mirrors, claim.work, logger, signal);
    const applied = await applyToCluster({
      db: deps.db,
      work: claim.work,
      objects,
      kubeTimeoutMs: deps.kubeTimeoutMs,
      healthTimeoutMs: deps.healthTimeoutMs,
      logger,
      signal,
    });
    outcome = applied.ok
      ? applied
      : { ok: false, objects: applied.objects, failure: classifyFailure(applied.error), shutdown: false };
  } catch (err) {
    outcome = { ok: false, objects: [], failure: classifyFailure(err), shutdown: false };
  } finally {
    watch.stop();
  }
  // Aborted (timeout, shutdown): say why rather than the `cancelled` the steps report.
  if (!outcome.ok && ctx.signal.aborted && outcome.failure.transient) {
    return {
      ...outcome,
      failure: isShutdownAbort(ctx.signal.reason) ? outcome.failure : classifyFailure(ctx.signal.reason),
      shutdown: isShutdownAbort(ctx.signal.reason),
    };
  }
  return outcome;
}
