// `app.reconcile`: compare a push cluster's live state with the revision last applied there.
// Drift is recorded (status + audit); with selfHeal the same revision is deployed again, as a
// deployment marked `selfheal`. Never races a deployment in flight for the same pair.
import type { Logger } from '@tether/core';
import {
  type AuditContext,
  createDeployment,
  type Db,
  type DriftedObject,
  getApplicationById,
  getClusterCredentials,
  hasTargetInFlight,
  lastApplied,
  recordObservedState,
  withTx,
} from '@tether/db';
import { assessHealth, connectCluster, detectDrift, type Health } from '@tether/kube';
import { type GitMirrorCache, renderManifests } from '@tether/manifests';
import { type JobHandler, type Producer, targetSyncJobs } from '@tether/queue';

/** Kinds whose health is more than "applied" (see @tether/kube's assessHealth). */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

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
      const signal = ctx.signal;
      const drift = await detectDrift({
        client,
        objects,
        application: app.name,
        destinationNamespace: dest.namespace,
        signal,
      });
      // One look at each workload, no waiting: the rollout's state as it is now.
      const workloads = objects.map((o) => o.manifest).filter((m) => WORKLOADS.has(m.kind));
      const health: Array<Health & { name: string }> = [];
      for (const m of workloads) {
        const live = await client.get(refOf(m, dest.namespace), { signal });
        health.push({
          name: `${m.kind}/${m.metadata.name}`,
          ...(live ? assessHealth(live) : { status: 'degraded', reason: 'missing' }),
        });
      }
      const degraded = health.find((h) => h.status === 'degraded');
      const progressing = health.find((h) => h.status === 'progressing');
      const found: DriftedObject[] = [
        ...drift.drifted.map((d) => ({ ...plainRef(d.ref), changes: d.changes })),
        ...drift.missing.map((r) => ({ ...plainRef(r), changes: [], missing: true })),
      ];
      const { newlyDrifted } = await recordObservedState(
        deps.db,
        {
          applicationId: app.id,
          clusterId: payload.clusterId,
          sha: applied.sha,
          drift: found,
          health: degraded ? 'degraded' : progressing ? 'progressing' : 'healthy',
          healthReason: degraded
            ? `${degraded.name}: ${degraded.reason ?? 'degraded'}`
            : progressing
              ? `${progressing.name}: ${progressing.reason ?? 'progressing'}`
              : null,
        },
        audit,
      );
      if (newlyDrifted) logger.warn({ objects: found.length }, 'drift detected');
      logger.debug(
        { drifted: drift.drifted.length, missing: drift.missing.length, checked: drift.checked },
        'reconciled',
      );
      let selfHealDeploymentId: string | undefined;
      if (found.length > 0 && app.selfHeal)
        selfHealDeploymentId = await selfHeal(deps, app.id, payload.clusterId, applied.sha, audit);
      return {
        drifted: drift.drifted.length,
        missing: drift.missing.length,
        health: degraded ? 'degraded' : 'healthy',
        ...(selfHealDeploymentId ? { selfHealDeploymentId } : {}),
      };
    } finally {
      await client.close().catch(() => {});
    }
  };
}

/** Re-applies the last applied revision to this one cluster, durably queued, marked `selfheal`. */
async function selfHeal(
  deps: ReconcileDeps,
  applicationId: string,
  clusterId: string,
  sha: string,
  audit: AuditContext,
): Promise<string> {
  const producer = deps.producer();
  if (!producer) throw new Error('self-heal needs the worker producer');
  return withTx(deps.db, async (tx) => {
    const d = await createDeployment(
      tx,
      { applicationId, revision: sha, sha, trigger: 'selfheal', clusterIds: [clusterId], supersede: true },
      audit,
    );
    await producer.enqueueMany(targetSyncJobs([d]));
    return d.id;
  });
}

function refOf(
  m: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } },
  ns: string,
) {
  return {
    apiVersion: m.apiVersion,
    kind: m.kind,
    name: m.metadata.name ?? '',
    namespace: m.metadata.namespace ?? ns,
  };
}

function plainRef(r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }) {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
  };
}
