// The pull side of drift and self-heal: every TETHER_RESYNC_INTERVAL (± 20 % jitter) the agent
// asks what its cluster should hold (GET /desired: the bundle each application last applied here),
// checks each against the cluster with @tether/kube's observeBundle (the very check the push
// worker runs) and reports drift and health (POST /observations). The control plane records it
// and, with selfHeal, queues a self-heal deployment, which reaches this agent as a job.
import type { Logger } from '@tether/core';
import { type KubeClient, observeBundle } from '@tether/kube';
import { type AgentClient, type DesiredItem, isApiError, type ObservationReport } from './client.ts';
import { type FetchBundleDeps, fetchVerifiedBundle } from './fetch-bundle.ts';
import { errText } from './lease.ts';
import { BundleRejected } from './verify.ts';

export interface ResyncDeps extends FetchBundleDeps {
  client: AgentClient;
  connectKube: () => KubeClient;
  logger: Logger;
  /** 0: never. */
  intervalMs: number;
}

export interface RoundReport {
  checked: number;
  drifted: number;
  failed: number;
  selfHeals: number;
}

export interface Resync {
  start(): void;
  /** One round now; rounds never overlap. */
  runOnce(): Promise<RoundReport>;
  /** Stops the timer and waits for a round under way (which stops early). */
  close(): Promise<void>;
}

export function createResync(deps: ResyncDeps): Resync {
  const logger = deps.logger.child({ component: 'resync' });
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<RoundReport> | undefined;

  function runOnce(): Promise<RoundReport> {
    round ??= checkAll().finally(() => {
      round = undefined;
    });
    return round;
  }

  async function checkAll(): Promise<RoundReport> {
    const report: RoundReport = { checked: 0, drifted: 0, failed: 0, selfHeals: 0 };
    const items = await deps.client.desired(stop.signal);
    if (items.length === 0) return report;
    const kube = deps.connectKube();
    try {
      for (const item of items) {
        if (stop.signal.aborted) break;
        await checkOne(kube, item, report);
      }
    } finally {
      await kube.close().catch(() => undefined);
    }
    logger.debug(report, 'drift check round done');
    return report;
  }

  async function checkOne(kube: KubeClient, item: DesiredItem, report: RoundReport): Promise<void> {
    const log = logger.child({ application: item.application, sha: item.sha });
    try {
      const bundle = await fetchVerifiedBundle(deps, item, stop.signal);
      const seen = await observeBundle({
        client: kube,
        objects: bundle.objects,
        application: item.application,
        destinationNamespace: item.namespace,
        signal: stop.signal,
      });
      const body: ObservationReport = {
        application: item.application,
        ...(item.applicationId ? { applicationId: item.applicationId } : {}),
        sha: item.sha,
        drift: seen.drift,
        health: seen.health,
        ...(seen.healthReason ? { healthReason: seen.healthReason } : {}),
      };
      const answer = await deps.client.observe(body, stop.signal);
      report.checked++;
      if (seen.drift.length > 0) {
        report.drifted++;
        log.info({ objects: seen.drift.length, recorded: answer.recorded }, 'drift found');
      }
      if (answer.selfHealDeploymentId) {
        report.selfHeals++;
        log.info({ deploymentId: answer.selfHealDeploymentId }, 'self-heal queued by the control plane');
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      report.failed++;
      // A refused credential ends the round; the claim loop ends the agent.
      if (isApiError(err, 'unauthorized')) throw err;
      if (err instanceof BundleRejected) {
        log.error({ check: err.check, reason: err.message }, 'desired bundle refused; not checked');
      } else {
        log.warn({ err: errText(err) }, 'drift check failed');
      }
    }
  }

  function schedule(): void {
    if (stop.signal.aborted || deps.intervalMs <= 0) return;
    const jitter = 0.8 + Math.random() * 0.4;
    timer = setTimeout(() => {
      let again = true;
      runOnce()
        .catch((err: unknown) => {
          if (stop.signal.aborted) return;
          if (isApiError(err, 'not_found')) {
            // An older control plane without /desired: nothing to check against.
            again = false;
            logger.warn('the control plane does not offer drift checks (older version); resync off');
            return;
          }
          logger.warn({ err: errText(err) }, 'drift check round failed');
        })
        .finally(() => {
          if (again) schedule();
        });
    }, deps.intervalMs * jitter);
    timer.unref();
  }

  return {
    start: schedule,
    runOnce,
    async close() {
      stop.abort();
      clearTimeout(timer);
      await round?.catch(() => undefined);
    },
  };
}
