// Before any work: find the target the job names and move it to running (attempt counted, audited
// as target.started by this worker). Jobs that must not run are answered with a reason instead:
// the row does not exist, it is already finished (a redelivered job never applies twice), or the
// job does not match the row.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@tether/core';
import {
  type AuditContext,
  type Db,
  type DeploymentTarget,
  getTargetWork,
  InvalidTransitionError,
  isTerminal,
  NotFoundError,
  requeueTarget,
  StaleLeaseError,
  startTarget,
  TargetBusyError,
  type TargetWork,
  withTx,
} from '@tether/db';
import type { JobPayload } from '@tether/queue';

export type SkipReason = 'target_not_found' | 'terminal' | 'mismatch' | 'not_push' | 'raced' | 'superseded';

export type Claim =
  | { kind: 'skip'; reason: SkipReason; status?: string }
  | { kind: 'run'; work: TargetWork; started: DeploymentTarget };

export interface ClaimDeps {
  db: Db;
  audit: AuditContext;
  workerId: string;
  /** How long a missing row is looked for again (its creating transaction may not be visible yet). */
  missingTargetGraceMs: number;
  logger: Logger;
  signal: AbortSignal;
}

export async function claimTarget(deps: ClaimDeps, payload: JobPayload<'target.sync'>): Promise<Claim> {
  const { logger: log } = deps;
  const work = await loadWork(deps, payload.targetId);
  if (!work) {
    log.warn('target does not exist (its transaction rolled back?); job dropped');
    return { kind: 'skip', reason: 'target_not_found' };
  }
  const { deployment } = work;
  if (
    deployment.id !== payload.deploymentId ||
    work.clusterId !== payload.clusterId ||
    deployment.sha !== payload.sha ||
    deployment.application.id !== payload.applicationId
  ) {
    log.error(
      { payload, deploymentId: deployment.id, sha: deployment.sha },
      'job does not match its target; dropped',
    );
    return { kind: 'skip', reason: 'mismatch' };
  }
  if (work.cluster.mode !== 'push') {
    log.error({ cluster: work.cluster.name }, 'a pull-mode target on the push lane; dropped');
    return { kind: 'skip', reason: 'not_push' };
  }
  if (isTerminal(work.status)) {
    log.info({ status: work.status }, 'target already finished; nothing to do');
    return { kind: 'skip', reason: 'terminal', status: work.status };
  }
  try {
    const started =
      work.status === 'running' ? await takeOver(deps, work) : await startWhenFree(deps, payload.targetId);
    if (started.status === 'superseded') {
      log.info('a newer deployment of this application to this cluster exists; superseded');
      return { kind: 'skip', reason: 'superseded', status: started.status };
    }
    return { kind: 'run', work, started };
  } catch (err) {
    if (err instanceof InvalidTransitionError || err instanceof StaleLeaseError) {
      log.warn({ err: err.message }, 'target changed while starting; leaving it to its new holder');
      return { kind: 'skip', reason: 'raced' };
    }
    throw err;
  }
}

/** How often a target waiting for its application's running apply on the same cluster looks again. */
const BUSY_RECHECK_MS = 100;

/**
 * Starts the target, waiting while another target of the same application and cluster runs
 * (never two applies of one application to one cluster at once). The wait ends with the job's
 * signal (its timeout or shutdown), so a stuck sibling cannot hold this job forever.
 */
async function startWhenFree(deps: ClaimDeps, targetId: string): Promise<DeploymentTarget> {
  let logged = false;
  for (;;) {
    try {
      return await startTarget(deps.db, targetId, deps.audit, { leaseOwner: deps.workerId });
    } catch (err) {
      if (!(err instanceof TargetBusyError)) throw err;
      if (!logged)
        deps.logger.info(
          { running: err.runningTargetId },
          'waiting for the running apply of this application',
        );
      logged = true;
      await sleep(BUSY_RECHECK_MS, undefined, { signal: deps.signal });
    }
  }
}

/**
 * The target is `running` although its job just came (back) to us: the previous holder died or
 * lost the job's lock. Requeue and restart in one transaction; the new lease epoch fences the
 * previous holder's late report.
 */
function takeOver(deps: ClaimDeps, work: TargetWork): Promise<DeploymentTarget> {
  deps.logger.warn(
    { previousOwner: work.leaseOwner, epoch: work.leaseEpoch },
    'taking over a running target',
  );
  return withTx(deps.db, async (tx) => {
    await requeueTarget(tx, work.id, deps.audit, {
      from: 'running',
      epoch: work.leaseEpoch,
      reason: 'redelivered',
      data: { previousOwner: work.leaseOwner },
    });
    return startTarget(tx, work.id, deps.audit, { leaseOwner: deps.workerId });
  });
}

async function loadWork(deps: ClaimDeps, targetId: string): Promise<TargetWork | undefined> {
  const until = Date.now() + deps.missingTargetGraceMs;
  for (;;) {
    try {
      return await getTargetWork(deps.db, targetId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (Date.now() >= until || deps.signal.aborted) return undefined;
      await sleep(Math.min(200, Math.max(until - Date.now(), 1)));
    }
  }
}
