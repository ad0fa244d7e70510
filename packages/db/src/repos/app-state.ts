// The reconciliation's findings per application and cluster (drift, health), and the status the
// API shows: what was last applied, whether the cluster matches it, and what is in flight.
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { toJson } from '../json.ts';
import { lastApplied } from './inventory.ts';

export interface DriftedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  changes: Array<{ path: string; from?: unknown; to?: unknown }>;
  missing?: boolean;
}

export interface ObservedState {
  applicationId: string;
  clusterId: string;
  sha: string | null;
  drift: DriftedObject[];
  health: 'healthy' | 'progressing' | 'degraded' | 'unknown';
  healthReason?: string | null;
}

/**
 * Stores what a reconciliation saw. Drift appearing or clearing is an audit event (in the same
 * transaction); an unchanged finding only refreshes checkedAt.
 */
export function recordObservedState(
  db: DbTx,
  s: ObservedState,
  ctx: AuditContext,
): Promise<{ newlyDrifted: boolean }> {
  return withTx(db, async (tx) => {
    const key = { applicationId: s.applicationId, clusterId: s.clusterId };
    const before = await tx.applicationClusterState.findUnique({ where: { applicationId_clusterId: key } });
    const drifted = s.drift.length > 0;
    const now = new Date();
    const data = {
      sha: s.sha,
      drifted,
      drift: toJson(s.drift),
      health: s.health,
      healthReason: s.healthReason ?? null,
      checkedAt: now,
      driftDetectedAt: drifted ? (before?.drifted ? before.driftDetectedAt : now) : null,
    };
    await tx.applicationClusterState.upsert({
      where: { applicationId_clusterId: key },
      create: { ...key, ...data },
      update: data,
    });
    const newlyDrifted = drifted && !before?.drifted;
    if (newlyDrifted || (!drifted && before?.drifted)) {
      await appendAudit(tx, {
        ...ctx,
        type: drifted ? 'application.drift_detected' : 'application.drift_resolved',
        applicationId: s.applicationId,
        clusterId: s.clusterId,
        sha: s.sha,
        data: drifted
          ? {
              objects: s.drift.map(({ changes, ...ref }) => ({ ...ref, fields: changes.map((c) => c.path) })),
            }
          : {},
      });
    }
    return { newlyDrifted };
  });
}

export interface ClusterStatus {
  clusterId: string;
  cluster: string;
  namespace: string;
  lastApplied: { sha: string; deploymentId: string; at: Date | null } | null;
  sync: 'synced' | 'out-of-sync' | 'unknown';
  health: string;
  healthReason: string | null;
  drift: { detectedAt: Date | null; objects: DriftedObject[] } | null;
  checkedAt: Date | null;
  running: { deploymentId: string; status: string } | null;
}

/** Per destination: last applied revision, sync status, health, drift, deployment in flight. */
export async function applicationStatus(db: DbTx, applicationId: string): Promise<ClusterStatus[]> {
  const destinations = await db.applicationDestination.findMany({
    where: { applicationId },
    include: { cluster: { select: { name: true } } },
    orderBy: { cluster: { name: 'asc' } },
  });
  const out: ClusterStatus[] = [];
  for (const d of destinations) {
    const applied = await lastApplied(db, applicationId, d.clusterId);
    const state = await db.applicationClusterState.findUnique({
      where: { applicationId_clusterId: { applicationId, clusterId: d.clusterId } },
    });
    const latest = await db.deploymentTarget.findFirst({
      where: {
        clusterId: d.clusterId,
        deployment: { applicationId },
        status: { notIn: ['superseded', 'cancelled'] },
      },
      orderBy: { id: 'desc' },
      select: { status: true, errorCode: true, error: true, deploymentId: true },
    });
    const inFlight = latest && (latest.status === 'queued' || latest.status === 'running') ? latest : null;
    const drifted = state?.drifted === true && state.sha === applied?.sha;
    const sync: ClusterStatus['sync'] = !applied
      ? 'unknown'
      : drifted || inFlight || latest?.status === 'failed'
        ? 'out-of-sync'
        : 'synced';
    const failedHealth = latest?.status === 'failed' && latest.errorCode?.startsWith('health_');
    out.push({
      clusterId: d.clusterId,
      cluster: d.cluster.name,
      namespace: d.namespace,
      lastApplied: applied
        ? { sha: applied.sha, deploymentId: applied.deploymentId, at: applied.finishedAt }
        : null,
      sync,
      health: failedHealth ? 'degraded' : (state?.health ?? (applied ? 'healthy' : 'unknown')),
      healthReason: failedHealth ? (latest?.error ?? null) : (state?.healthReason ?? null),
      drift: drifted
        ? { detectedAt: state?.driftDetectedAt ?? null, objects: state?.drift as unknown as DriftedObject[] }
        : null,
      checkedAt: state?.checkedAt ?? null,
      running: inFlight ? { deploymentId: inFlight.deploymentId, status: inFlight.status } : null,
    });
  }
  return out;
}

/** Every live application's push-mode destinations: what the workers reconcile periodically. */
export async function listPushDestinations(
  db: DbTx,
): Promise<Array<{ applicationId: string; clusterId: string }>> {
  return db.applicationDestination.findMany({
    where: { application: { deletedAt: null }, cluster: { deletedAt: null, mode: 'push' } },
    select: { applicationId: true, clusterId: true },
    orderBy: [{ applicationId: 'asc' }, { clusterId: 'asc' }],
  });
}

/** A target of the application on the cluster is waiting or running: reconciling now would race it. */
export async function hasTargetInFlight(
  db: DbTx,
  applicationId: string,
  clusterId: string,
): Promise<boolean> {
  const n = await db.deploymentTarget.count({
    where: { clusterId, deployment: { applicationId }, status: { in: ['queued', 'running'] } },
  });
  return n > 0;
}
