// `app.reconcile`: compare a push cluster's live state with the revision last applied there.
// Drift is recorded (status + audit); with selfHeal the same revision is deployed again, as a
// deployment marked `selfheal`. Never races a deployment in flight for the same pair.
import type { Logger } from '@tether/core';
import {
  type AuditContext,
  createSelfHealDeployment,
  type Db,
  getApplicationById,
  getClusterCredentials,
  hasTargetInFlight,
  lastApplied,
  recordObservedState,
} from '@tether/db';
import { connectCluster, observeBundle } from '@tether/kube';
import { type GitMirrorCache, renderManifests } from '@tether/manifests';
import { type JobHandler, type Producer, targetSyncJobs } from '@tether/queue';

export interface ReconcileDeps {
  db: Db;
  mirrors: GitMirrorCache;
  /** Enqueues self-heal deployments; the worker's own producer. */
  producer: () => Producer | undefined;
  kubeTimeoutMs: number;
  workerId: string;
}

export type ReconcileResult =
  | { skipped: 'gone' | 'not_push' | 'never_applied' | 'in_flight' }
  | { drifted: number; missing: number; health: string; selfHealDeploymentId?: string };

export function createReconcileHandler(deps: ReconcileDeps): JobHandler<'app.reconcile'> {
  return async (payload, ctx): Promise<ReconcileResult> => {
    const logger: Logger = ctx.logger.child({
      applicationId: payload.applicationId,
      clusterId: payload.clusterId,
    });
    const audit: AuditContext = { actor: { type: 'worker', name: deps.workerId } };
    const app = await getApplicationById(deps.db, payload.applicationId);
    const dest = app.destinations.find((d) => d.clusterId === payload.clusterId);
    if (app.deletedAt || !dest) return { skipped: 'gone' };
    const creds = await getClusterCredentials(deps.db, payload.clusterId);
    if (creds.mode !== 'push' || !creds.server) return { skipped: 'not_push' };
    const applied = await lastApplied(deps.db, app.id, payload.clusterId);
    if (!applied) return { skipped: 'never_applied' };
    if (await hasTargetInFlight(deps.db, app.id, payload.clusterId)) {
      logger.debug('a deployment is in flight; not reconciling now');
      return { skipped: 'in_flight' };
    }

    const tree = await deps.mirrors.readTree(app.repoUrl, applied.sha);
    const { objects } = await renderManifests({ tree, path: app.path, logger });
    const client = connectCluster(
      {
        server: creds.server,
        token: creds.token ?? undefined,
        caData: creds.caData ?? undefined,
        insecureSkipTLSVerify: creds.insecureSkipTLSVerify,
      },
      { timeoutMs: deps.kubeTimeoutMs, logger },
    );
    try {
      // Drift and health by the same code the pull agents run (@tether/kube observeBundle).
      const seen = await observeBundle({
        client,
        objects,
        application: app.name,
        destinationNamespace: dest.namespace,
        signal: ctx.signal,
      });
      const { newlyDrifted } = await recordObservedState(
        deps.db,
        {
          applicationId: app.id,
          clusterId: payload.clusterId,
          sha: applied.sha,
          drift: seen.drift,
          health: seen.health,
          healthReason: seen.healthReason,
        },
        audit,
      );
      const missing = seen.drift.filter((d) => d.missing).length;
      if (newlyDrifted) logger.warn({ objects: seen.drift.length }, 'drift detected');
      logger.debug({ drifted: seen.drift.length - missing, missing, checked: seen.checked }, 'reconciled');
      let selfHealDeploymentId: string | undefined;
      if (seen.drift.length > 0 && app.selfHeal) {
        const producer = deps.producer();
        if (!producer) throw new Error('self-heal needs the worker producer');
        const healed = await createSelfHealDeployment(
          deps.db,
          { applicationId: app.id, clusterId: payload.clusterId, sha: applied.sha },
          audit,
          (d) => producer.enqueueMany(targetSyncJobs([d])).then(() => undefined),
        );
        selfHealDeploymentId = healed?.id;
      }
      return {
        drifted: seen.drift.length - missing,
        missing,
        health: seen.health,
        ...(selfHealDeploymentId ? { selfHealDeploymentId } : {}),
      };
    } finally {
      await client.close().catch(() => {});
    }
  };
}
