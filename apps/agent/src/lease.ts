// Keeps a claimed job's lease alive: a heartbeat every TTL/3 from claim until the result is
// reported. The job stops (its signal aborts) when the control plane cancels it, answers 409
// lease_lost, refuses the credential, or stays unreachable until the lease must have expired.
import type { Logger } from '@tether/core';
import { type AgentClient, isApiError, type Job } from './client.ts';
import type { Metrics } from './metrics.ts';

/** Why a job stopped before its end; `release` is the agent shutting down. */
export type StopReason = 'cancelled' | 'lease_lost' | 'lease_expired' | 'unauthorized' | 'release';

export interface Lease {
  /** Aborts with a StopReason as its reason. */
  readonly signal: AbortSignal;
  /** The reason the lease ended early, if it did. */
  stopped(): StopReason | undefined;
  /** Local estimate of when the control plane considers the lease expired (ms since epoch). */
  expiresAt(): number;
  /** Stops heartbeating (the job is over). */
  end(): void;
}

export interface LeaseDeps {
  client: AgentClient;
  logger: Logger;
  metrics: Metrics;
  /** Aborted when the agent releases its job at shutdown. */
  release: AbortSignal;
}

export function holdLease(deps: LeaseDeps, job: Job): Lease {
  const ttlMs = Math.max(job.leaseTtlSeconds, 1) * 1000;
  const intervalMs = Math.max(Math.floor(ttlMs / 3), 100);
  const ctrl = new AbortController();
  let reason: StopReason | undefined;
  // Counted from our own clock at claim time: the lease started at most now.
  let expiresAt = Date.now() + ttlMs;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const log = deps.logger;

  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    ctrl.abort(why);
  };
  const onRelease = () => stop('release');
  if (deps.release.aborted) onRelease();
  else deps.release.addEventListener('abort', onRelease, { once: true });

  async function beat(): Promise<void> {
    const sentAt = Date.now();
    try {
      const res = await deps.client.heartbeat(
        { targetId: job.targetId, epoch: job.epoch },
        AbortSignal.timeout(Math.max(intervalMs, 1000)),
      );
      deps.metrics.setConnected(true);
      expiresAt = sentAt + ttlMs;
      if (res.cancel && !reason) {
        log.warn('the control plane cancelled the job; stopping');
        stop('cancelled');
      }
    } catch (err) {
      if (isApiError(err, 'lease_lost') || (isApiError(err) && err.status === 404)) {
        deps.metrics.error('lease_lost');
        log.warn({ err: err.message }, 'lease lost (the job was taken over); stopping without a report');
        stop('lease_lost');
      } else if (isApiError(err, 'unauthorized')) {
        deps.metrics.error('unauthorized');
        log.error('the control plane refused our credential; stopping');
        stop('unauthorized');
      } else {
        deps.metrics.error('unreachable');
        deps.metrics.setConnected(false);
        log.warn({ err: errText(err) }, 'heartbeat failed');
        if (Date.now() >= expiresAt) {
          log.warn('the lease has expired without a heartbeat; stopping');
          stop('lease_expired');
        }
      }
    }
  }

  const schedule = () => {
    if (ended) return;
    timer = setTimeout(() => {
      void beat().finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    signal: ctrl.signal,
    stopped: () => reason,
    expiresAt: () => expiresAt,
    end() {
      ended = true;
      clearTimeout(timer);
      deps.release.removeEventListener('abort', onRelease);
    },
  };
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
