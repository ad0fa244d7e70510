// One claimed job, start to end: fetch the bundle, check its digest and signature, apply it with
// the shared engine while the lease is kept alive, and report the outcome, fenced by the epoch.
import type { Logger } from '@tether/core';
import { isKubeError, type KubeClient } from '@tether/kube';
import { applyToCluster } from './apply.ts';
import { type BackoffOptions, createBackoff } from './backoff.ts';
import { type AgentClient, isApiError, type Job, type ResultReport } from './client.ts';
import { fetchVerifiedBundle } from './fetch-bundle.ts';
import { errText, holdLease, type Lease, type StopReason } from './lease.ts';
import type { Metrics } from './metrics.ts';
import { type Bundle, BundleRejected, type PublicKey } from './verify.ts';

export interface RunJobDeps {
  client: AgentClient;
  /** A fresh client on the local cluster; closed after the job. */
  connectKube: () => KubeClient;
  signingKey: PublicKey;
  logger: Logger;
  metrics: Metrics;
  backoff: BackoffOptions;
  /** How long applied workloads get to become healthy before the job fails (as the push worker's). */
  healthTimeoutMs: number;
  /** Aborted to release the job at shutdown: the apply stops and a transient failure is reported. */
  release: AbortSignal;
}

/**
 * How a job ended for this agent: reported; cancelled or lost (the control plane has moved on, so
 * nothing is reported); or given up (the control plane's lease expiry requeues it).
 */
export type JobEnd =
  | 'succeeded'
  | 'failed'
  | 'released'
  | 'cancelled'
  | 'lease_lost'
  | 'unauthorized'
  | 'unreported';

type Outcome = Omit<ResultReport, 'targetId' | 'epoch'>;

class Failed extends Error {
  readonly code: string;
  readonly transient: boolean;
  constructor(code: string, message: string, transient: boolean) {
    super(message);
    this.code = code;
    this.transient = transient;
  }
}

export async function runJob(deps: RunJobDeps, job: Job): Promise<JobEnd> {
  const logger = deps.logger.child({ targetId: job.targetId, epoch: job.epoch, attempt: job.attempt });
  logger.info({ application: job.application, namespace: job.namespace, sha: job.sha }, 'job claimed');
  deps.metrics.setRunning(1);
  const lease = holdLease({ ...deps, logger }, job);
  try {
    const outcome = await attempt({ ...deps, logger }, job, lease);
    const stopped = lease.stopped();
    if (stopped === 'lease_lost' || stopped === 'lease_expired') return 'lease_lost';
    if (stopped === 'unauthorized') return 'unauthorized';
    // The heartbeat said cancel: the target is no longer running under our lease.
    if (stopped === 'cancelled') return 'cancelled';
    const reported = await report({ ...deps, logger }, job, lease, outcome);
    if (reported !== 'reported') return reported;
    deps.metrics.result(outcome.status);
    if (stopped === 'release') return 'released';
    return outcome.status;
  } finally {
    lease.end();
    deps.metrics.setRunning(0);
  }
}

async function attempt(deps: RunJobDeps, job: Job, lease: Lease): Promise<Outcome> {
  let bundle: Bundle;
  try {
    bundle = await fetchBundle(deps, job, lease);
  } catch (err) {
    if (err instanceof BundleRejected) {
      deps.logger.error({ check: err.check, reason: err.message }, 'bundle refused; nothing applied');
      return fail('bundle_rejected', err.message, false);
    }
    return failFrom(err, lease);
  }
  try {
    return await apply(deps, job, bundle, lease.signal);
  } catch (err) {
    return failFrom(err, lease);
  }
}

async function fetchBundle(deps: RunJobDeps, job: Job, lease: Lease): Promise<Bundle> {
  try {
    return await fetchVerifiedBundle(deps, job, lease.signal);
  } catch (err) {
    if (!(err instanceof BundleRejected) && !lease.signal.aborted && isApiError(err)) {
      throw new Failed('bundle_unavailable', err.message, err.transient);
    }
    throw err;
  }
}

async function apply(deps: RunJobDeps, job: Job, bundle: Bundle, signal: AbortSignal): Promise<Outcome> {
  const client = deps.connectKube(); // Throws KubeError invalid_config for settings that cannot work.
  try {
    const res = await applyToCluster({
      client,
      job,
      objects: bundle.objects,
      healthTimeoutMs: deps.healthTimeoutMs,
      logger: deps.logger,
      signal,
    });
    if (res.ok) {
      deps.logger.info({ objects: res.objects.length }, 'apply done');
      return { status: 'succeeded', objects: res.objects };
    }
    if (signal.aborted) return { ...stoppedOutcome(signal.reason as StopReason), objects: res.objects };
    deps.metrics.error('apply');
    const { code, message, transient } = res.error;
    return { status: 'failed', objects: res.objects, error: { code, message, transient } };
  } finally {
    await client
      .close()
      .catch((err: unknown) => deps.logger.warn({ err }, 'closing the cluster client failed'));
  }
}

function fail(code: string, message: string, transient: boolean): Outcome {
  return { status: 'failed', objects: [], error: { code, message, transient } };
}

function stoppedOutcome(reason: StopReason): Outcome {
  if (reason === 'release') {
    return fail('agent_shutdown', 'the agent shut down mid-apply and released the job', true);
  }
  // Not reported: the control plane has moved on (cancelled) or fenced us out (lost).
  if (reason === 'cancelled') return fail('cancelled', 'cancelled by the control plane', false);
  return fail('lease_lost', 'the lease was lost', true);
}

function failFrom(err: unknown, lease: Lease): Outcome {
  if (lease.signal.aborted) return stoppedOutcome(lease.signal.reason as StopReason);
  if (err instanceof Failed) return fail(err.code, err.message, err.transient);
  if (isKubeError(err)) return fail(err.code, err.message, err.transient);
  return fail('internal', errText(err), true);
}

/** Posts the outcome; retries while the control plane is unreachable and the lease may still hold. */
async function report(
  deps: RunJobDeps,
  job: Job,
  lease: Lease,
  outcome: Outcome,
): Promise<'reported' | 'lease_lost' | 'unauthorized' | 'unreported'> {
  const backoff = createBackoff(deps.backoff);
  const body: ResultReport = { targetId: job.targetId, epoch: job.epoch, ...outcome };
  for (;;) {
    try {
      await deps.client.result(body);
      deps.metrics.setConnected(true);
      deps.logger.info(
        { status: outcome.status, error: outcome.error?.code, objects: outcome.objects.length },
        'result reported',
      );
      return 'reported';
    } catch (err) {
      if (isApiError(err, 'lease_lost')) {
        deps.metrics.error('lease_lost');
        deps.logger.warn('result refused: the lease was lost meanwhile');
        return 'lease_lost';
      }
      if (isApiError(err, 'unauthorized')) {
        deps.metrics.error('unauthorized');
        return 'unauthorized';
      }
      deps.metrics.error('report');
      const stopped = lease.stopped();
      const retry =
        isApiError(err) && err.transient && stopped !== 'lease_lost' && stopped !== 'lease_expired';
      // Bounded even while heartbeats pass: a result the control plane keeps refusing is left to
      // the lease expiry once we stop heartbeating.
      if (!retry || Date.now() >= lease.expiresAt() || backoff.failures >= 8) {
        deps.logger.error(
          { err: errText(err) },
          'could not report the result; the lease expiry will requeue it',
        );
        return 'unreported';
      }
      deps.logger.warn({ err: errText(err) }, 'reporting the result failed; retrying');
      await backoff.wait(lease.signal.aborted ? undefined : lease.signal);
    }
  }
}
