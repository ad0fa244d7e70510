// POST /agent/v1/claim: a long poll for the next job of the agent's cluster. It subscribes to its
// lane's "job added" events before looking, so a job queued in between is never missed, and then
// sleeps until woken, until a retry in backoff is due, or out of time: no polling. A claimed job is
// checked against its target row, the target is started under a new lease epoch, and its bundle
// rendered and signed before answering. An agent that said it answers diffs may get a diff request
// instead (diffs.ts): those wake the same lane, and go first (someone is waiting for the answer).
import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentJob, type Logger, TetherError } from '@tether/core';
import {
  type AgentRecord,
  type AuditContext,
  attachBundle,
  type DeploymentTarget,
  failTarget,
  getTargetWork,
  InvalidTransitionError,
  isAgentActive,
  isTerminal,
  LeaseLostError,
  NotFoundError,
  type PullStart,
  renewAgentLease,
  StaleLeaseError,
  startPullTarget,
  TargetBusyError,
  type TargetWork,
} from '@tether/db';
import { classifyRenderFailure } from '@tether/manifests';
import { type ClaimedJob, LockLostError, laneFor } from '@tether/queue';
import { type BundleRef, ensureBundle } from './bundles.ts';
import type { PullContext } from './context.ts';
import { type DiffItem, listenForDiffs, takeDiff } from './diffs.ts';
import { agentInventory } from './inventory.ts';
import { placeJob } from './lane-jobs.ts';
import { createWaiter } from './waiter.ts';

export type ClaimedWork = AgentJob;

export type Claimed = { job: ClaimedWork } | { diff: DiffItem };

export interface ClaimInput {
  agent: AgentRecord;
  waitMs: number;
  /** The agent answers diff requests (it said so: capabilities ["diff"]). */
  diffs: boolean;
  /** False: only diff requests (an agent busy with a job keeps answering diffs meanwhile). */
  jobs: boolean;
  /** Aborted when the client goes away or the API shuts down: stop waiting, claim nothing more. */
  signal: AbortSignal;
  requestId: string;
}

/** How long a job's target row is looked for (the enqueueing transaction may not have committed). */
const MISSING_TARGET_GRACE_MS = 2_000;

/** How long a claim's "this cluster has an agent answering diffs" outlives the claim's wait. */
const LISTENING_GRACE_MS = 15_000;

export async function claimForAgent(ctx: PullContext, input: ClaimInput): Promise<Claimed | undefined> {
  const { agent, signal } = input;
  const lane = laneFor({ mode: 'pull', clusterId: agent.clusterId });
  const log = ctx.logger.child({ agentId: agent.id, clusterId: agent.clusterId, requestId: input.requestId });
  const deadline = Date.now() + input.waitMs;
  const waiter = createWaiter();
  const unsubscribe = await ctx.claimer.onJobAdded(lane, waiter.wake);
  try {
    if (input.diffs) await listenForDiffs(ctx, agent.clusterId, input.waitMs + LISTENING_GRACE_MS);
    for (let round = 0; !signal.aborted; round++) {
      // Revocation takes effect for a waiting claim too, before it takes anything more.
      if (round > 0 && !(await isAgentActive(ctx.db, agent.id))) {
        throw new TetherError('unauthorized', 'agent credential revoked');
      }
      waiter.reset();
      if (input.diffs) {
        const diff = await takeDiff(ctx, agent.clusterId);
        if (diff) {
          log.info({ requestId: diff.requestId, application: diff.application }, 'diff request handed out');
          return { diff };
        }
      }
      const job = input.jobs
        ? await ctx.claimer.claimNext(lane, agent.id, ctx.settings.leaseTtlMs)
        : undefined;
      if (job) {
        const work = await prepare(ctx, { ...input, deadline }, lane, job, log);
        if (work) return { job: work };
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      // A retry in backoff was announced before we subscribed: wake when it is due.
      const due = input.jobs ? await ctx.laneJobs.nextDueAt(lane) : undefined;
      await waiter.wait(due === undefined ? left : Math.min(left, Math.max(0, due - Date.now()) + 5), signal);
    }
    return undefined;
  } finally {
    unsubscribe();
  }
}

/** The job as an answer for the agent, or undefined when it is not to be run (settled here). */
async function prepare(
  ctx: PullContext,
  input: ClaimInput & { deadline: number },
  lane: string,
  job: ClaimedJob,
  log: Logger,
): Promise<ClaimedWork | undefined> {
  const { agent } = input;
  const token = agent.id;
  const settle = async (what: string, op: Promise<void>) => {
    try {
      await op;
    } catch (err) {
      // The lock ran out meanwhile: the job returns to the lane and is settled when next claimed.
      if (!(err instanceof LockLostError)) throw err;
      log.warn({ jobId: job.jobId, err: err.message }, `could not ${what} the job: lock lost`);
    }
  };
  const complete = (skipped: string) =>
    settle('complete', ctx.claimer.complete(lane, job.jobId, token, { skipped }));
  const failForGood = (reason: string) =>
    settle('fail', ctx.claimer.fail(lane, job.jobId, token, reason, { permanent: true }));

  if (job.name !== 'target.sync') {
    await failForGood(`${job.name} jobs are not run by agents`);
    return undefined;
  }
  const p = job.payload;
  const work = await loadWork(ctx, p.targetId, input.signal);
  if (!work) {
    log.warn({ targetId: p.targetId }, 'claimed job has no target (its transaction rolled back?); dropped');
    await complete('target_not_found');
    return undefined;
  }
  const { deployment } = work;
  if (
    work.clusterId !== agent.clusterId ||
    p.clusterId !== agent.clusterId ||
    deployment.id !== p.deploymentId ||
    deployment.sha !== p.sha ||
    deployment.application.id !== p.applicationId
  ) {
    log.error({ payload: p }, 'claimed job does not match its target; dropped');
    await failForGood('job does not match its target');
    return undefined;
  }
  if (work.cluster.deletedAt !== null) {
    await complete('cluster_deleted');
    return undefined;
  }
  if (work.cluster.mode !== 'pull') {
    // The cluster moved to push mode: this copy goes, the target's job waits on the push lane.
    await complete('not_pull');
    if (work.status === 'queued') {
      const { targetId, deploymentId, applicationId, clusterId, sha } = p;
      await placeJob(ctx, { targetId, deploymentId, applicationId, clusterId, sha }, 'push');
    }
    return undefined;
  }
  if (isTerminal(work.status)) {
    await complete(work.status);
    return undefined;
  }

  const audit: AuditContext = { actor: { type: 'agent', name: agent.id }, requestId: input.requestId };
  const { leaseTtlMs, maxAttempts } = ctx.settings;
  const started = await startWhenFree(ctx, input, lane, job.jobId, () =>
    startPullTarget(ctx.db, work.id, audit, { agentId: agent.id, leaseMs: leaseTtlMs, maxAttempts }),
  );
  if (!started) {
    // Another apply of this application to this cluster still runs: the job stays locked and
    // returns to the lane when its lock runs out (no attempt spent), by when it is free.
    log.info({ targetId: work.id }, 'waiting for the running apply of this application; job left to return');
    return undefined;
  }
  if (started.kind === 'finished' || started.kind === 'held' || started.kind === 'superseded') {
    await complete(started.kind);
    return undefined;
  }
  if (started.kind === 'exhausted') {
    log.warn({ targetId: work.id, attempts: started.target.attempts }, 'target out of attempts; failed');
    await failForGood('attempts exhausted');
    return undefined;
  }
  const target = started.target;
  const begun = Date.now();
  let bundle: BundleRef;
  try {
    bundle = await ensureBundle(ctx, deployment);
  } catch (err) {
    await recordRenderFailure(ctx, { audit, lane, job, token, target, err, log });
    return undefined;
  }
  let leaseExpiresAt = target.leaseExpiresAt ?? new Date(begun + leaseTtlMs);
  try {
    // A slow render (a cold mirror) must not eat the agent's lease.
    if (Date.now() - begun > leaseTtlMs / 4) {
      const renewed = await renewAgentLease(ctx.db, work.id, {
        epoch: target.leaseEpoch,
        agentId: agent.id,
        leaseMs: leaseTtlMs,
      });
      if (!renewed.renewed) return undefined;
      await ctx.claimer.extendLock(lane, job.jobId, token, leaseTtlMs);
      leaseExpiresAt = renewed.leaseExpiresAt;
    }
    if (!(await attachBundle(ctx.db, work.id, { epoch: target.leaseEpoch, digest: bundle.digest }))) {
      return undefined;
    }
  } catch (err) {
    // Expired while rendering: the sweeper and the queue hand it out again.
    if (err instanceof LeaseLostError || err instanceof LockLostError) return undefined;
    throw err;
  }
  log.info(
    { targetId: work.id, epoch: target.leaseEpoch, attempt: target.attempts, digest: bundle.digest },
    'job claimed',
  );
  const app = deployment.application;
  const inventory = await agentInventory(ctx.db, app.id, work.clusterId);
  return {
    targetId: work.id,
    deploymentId: deployment.id,
    application: app.name,
    namespace: work.namespace,
    sha: deployment.sha,
    attempt: target.attempts,
    epoch: target.leaseEpoch,
    leaseExpiresAt: leaseExpiresAt.toISOString(),
    leaseTtlSeconds: leaseTtlMs / 1000,
    syncPolicy: { prune: app.prune, selfHeal: app.selfHeal, createNamespace: app.createNamespace },
    force: deployment.trigger === 'selfheal',
    bundle,
    inventory,
  };
}

/** How often a target waiting for its application's running apply on the cluster looks again. */
const BUSY_RECHECK_MS = 250;

/**
 * Starts the target, waiting (within the claim's time) while a sibling target of the same
 * application runs; undefined when the claim's time ran out first. The job's lock is kept alive
 * meanwhile.
 */
async function startWhenFree(
  ctx: PullContext,
  input: ClaimInput & { deadline: number },
  lane: string,
  jobId: string,
  start: () => Promise<PullStart>,
): Promise<PullStart | undefined> {
  const { leaseTtlMs } = ctx.settings;
  let extendedAt = Date.now();
  for (;;) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof TargetBusyError)) throw err;
    }
    if (input.signal.aborted || Date.now() + BUSY_RECHECK_MS > input.deadline) return undefined;
    await sleep(BUSY_RECHECK_MS, undefined, { signal: input.signal }).catch(() => {});
    if (Date.now() - extendedAt > leaseTtlMs / 3) {
      await ctx.claimer.extendLock(lane, jobId, input.agent.id, leaseTtlMs);
      extendedAt = Date.now();
    }
  }
}

/** The commit does not render: recorded like the push worker does, and the job told the same. */
async function recordRenderFailure(
  ctx: PullContext,
  a: {
    audit: AuditContext;
    lane: string;
    job: ClaimedJob;
    token: string;
    target: DeploymentTarget;
    err: unknown;
    log: Logger;
  },
): Promise<void> {
  const f = classifyRenderFailure(a.err);
  const retry = f.transient && a.target.attempts < ctx.settings.maxAttempts;
  try {
    await failTarget(ctx.db, a.target.id, a.audit, {
      error: f.message,
      errorCode: f.code,
      epoch: a.target.leaseEpoch,
      retry,
    });
  } catch (err) {
    if (!(err instanceof InvalidTransitionError || err instanceof StaleLeaseError)) throw err;
  }
  a.log.warn({ targetId: a.target.id, failure: f, retry }, 'bundle could not be rendered');
  try {
    await ctx.claimer.fail(a.lane, a.job.jobId, a.token, `${f.code}: ${f.message}`, { permanent: !retry });
  } catch (err) {
    if (!(err instanceof LockLostError)) throw err;
  }
}

async function loadWork(
  ctx: PullContext,
  targetId: string,
  signal: AbortSignal,
): Promise<TargetWork | undefined> {
  const until = Date.now() + MISSING_TARGET_GRACE_MS;
  for (;;) {
    try {
      return await getTargetWork(ctx.db, targetId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (Date.now() >= until || signal.aborted) return undefined;
      await sleep(100);
    }
  }
}
