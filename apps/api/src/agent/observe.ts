// Drift on pull clusters, checked by the agent where the cluster is: it asks what its cluster should
// hold (GET /desired: the bundle each application last applied there), compares, and reports
// (POST /observations). Recorded exactly as the push worker's reconciliation records it (status +
// drift audit, the agent as actor), and with selfHeal the same self-heal deployment is created.
import type { Logger } from '@tether/core';
import {
  type AgentRecord,
  type AuditContext,
  createSelfHealDeployment,
  type DriftedObject,
  desiredStateOf,
  getApplicationByName,
  getClusterById,
  hasTargetInFlight,
  lastApplied,
  NotFoundError,
  recordObservedState,
} from '@tether/db';
import { targetSyncJobs } from '@tether/queue';
import { type BundleRef, ensureBundle, grantBundle, signedBundle } from './bundles.ts';
import type { PullContext } from './context.ts';

export interface DesiredItem {
  application: string;
  applicationId: string;
  namespace: string;
  sha: string;
  bundle: BundleRef;
  selfHeal: boolean;
}

/** How long a bundle rendered for /desired (not one a target of the cluster applied) may be fetched. */
const DESIRED_GRANT_MS = 15 * 60_000;

/** For each application on the agent's cluster with nothing in flight: the bundle last applied. */
export async function desiredFor(ctx: PullContext, agent: AgentRecord, log: Logger): Promise<DesiredItem[]> {
  const cluster = await getClusterById(ctx.db, agent.clusterId);
  // A cluster switched to push is the workers' to reconcile.
  if (cluster.mode !== 'pull' || cluster.deletedAt !== null) return [];
  const items: DesiredItem[] = [];
  for (const s of await desiredStateOf(ctx.db, agent.clusterId)) {
    try {
      let bundle = s.bundleDigest ? await signedBundle(ctx, s.bundleDigest) : undefined;
      if (!bundle) {
        // Applied by a push worker before the cluster went pull: the same render, as a bundle.
        bundle = await ensureBundle(ctx, {
          application: { id: s.applicationId, name: s.application, repoUrl: s.repoUrl, path: s.path },
          sha: s.sha,
        });
        await grantBundle(ctx, agent.clusterId, bundle.digest, DESIRED_GRANT_MS);
      }
      items.push({
        application: s.application,
        applicationId: s.applicationId,
        namespace: s.namespace,
        sha: s.sha,
        bundle,
        selfHeal: s.selfHeal,
      });
    } catch (err) {
      // One application that cannot be rendered now does not hide the others.
      log.warn({ err, application: s.application, sha: s.sha }, 'desired state left out: no bundle');
    }
  }
  return items;
}

export interface ObservationReport {
  application: string;
  applicationId?: string | undefined;
  sha: string;
  drift: DriftedObject[];
  health: 'healthy' | 'progressing' | 'degraded';
  healthReason?: string | undefined;
}

export interface ObservationAnswer {
  /** False when the report no longer applies (`skipped` says why) and nothing was recorded. */
  recorded: boolean;
  skipped?: 'stale' | 'in_flight' | 'not_pull';
  drifted: boolean;
  /** The self-heal deployment this report started. */
  selfHealDeploymentId?: string;
}

export async function recordObservation(
  ctx: PullContext,
  agent: AgentRecord,
  report: ObservationReport,
  audit: AuditContext,
  log: Logger,
): Promise<ObservationAnswer> {
  const app = await ownApplication(ctx, agent, report);
  const { clusterId } = agent;
  const drifted = report.drift.length > 0;
  const cluster = await getClusterById(ctx.db, clusterId);
  if (cluster.mode !== 'pull') return { recorded: false, skipped: 'not_pull', drifted };
  // Observed against another revision than the last applied one (a deployment finished meanwhile).
  const applied = await lastApplied(ctx.db, app.id, clusterId);
  if (!applied || applied.sha !== report.sha) return { recorded: false, skipped: 'stale', drifted };
  if (await hasTargetInFlight(ctx.db, app.id, clusterId)) {
    return { recorded: false, skipped: 'in_flight', drifted };
  }
  const { newlyDrifted } = await recordObservedState(
    ctx.db,
    {
      applicationId: app.id,
      clusterId,
      sha: report.sha,
      drift: report.drift,
      health: report.health,
      healthReason: report.healthReason ?? null,
    },
    audit,
  );
  if (newlyDrifted) log.warn({ application: app.name, objects: report.drift.length }, 'drift detected');
  if (!drifted || !app.selfHeal) return { recorded: true, drifted };
  const healed = await createSelfHealDeployment(
    ctx.db,
    { applicationId: app.id, clusterId, sha: report.sha },
    audit,
    async (d) => {
      await ctx.producer.enqueueMany(targetSyncJobs([d]));
    },
  );
  if (healed) log.info({ application: app.name, deploymentId: healed.id }, 'self-heal deployment queued');
  return { recorded: true, drifted, ...(healed ? { selfHealDeploymentId: healed.id } : {}) };
}

/** The application, if it has a destination on the agent's cluster; any other does not exist. */
async function ownApplication(ctx: PullContext, agent: AgentRecord, r: ObservationReport) {
  try {
    const app = await getApplicationByName(ctx.db, r.application);
    const mine = app.destinations.some((d) => d.clusterId === agent.clusterId);
    if (mine && (r.applicationId === undefined || r.applicationId === app.id)) return app;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  throw new NotFoundError('application', r.application);
}
