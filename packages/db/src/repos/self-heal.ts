// Drift on both paths: what a cluster should hold (the last applied revision of each application),
// and self-heal — that revision deployed again to the one cluster, marked `selfheal`. The push
// worker's reconciliation and the agent gateway (drift an agent reported) call the same function.
import type { AuditContext } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { createDeployment, type DeploymentRecord } from './deployments.ts';

/**
 * Creates the self-heal deployment of `sha` to this one cluster and enqueues it in the same
 * transaction (a failed enqueue rolls it back). Undefined, and nothing created, while a target of
 * the application on the cluster is queued or running: that apply settles the state anyway.
 */
export function createSelfHealDeployment(
  db: DbTx,
  input: { applicationId: string; clusterId: string; sha: string },
  ctx: AuditContext,
  enqueue: (deployment: DeploymentRecord) => Promise<void>,
): Promise<DeploymentRecord | undefined> {
  const { applicationId, clusterId, sha } = input;
  return withTx(db, async (tx) => {
    // The pair's gate lock (target-gate.ts): two observers of the same drift (two workers, an
    // agent's repeated report) decide one after the other, and the second sees the first's target.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${applicationId}), hashtext(${clusterId}))`;
    const inFlight = await tx.deploymentTarget.count({
      where: { clusterId, deployment: { applicationId }, status: { in: ['queued', 'running'] } },
    });
    if (inFlight > 0) return undefined;
    const d = await createDeployment(
      tx,
      { applicationId, revision: sha, sha, trigger: 'selfheal', clusterIds: [clusterId], supersede: true },
      ctx,
    );
    await enqueue(d);
    return d;
  });
}

export interface DesiredState {
  applicationId: string;
  application: string;
  /** Where the bundle renders from (the repository URL may carry credentials: server side only). */
  repoUrl: string;
  path: string;
  namespace: string;
  selfHeal: boolean;
  /** The newest succeeded target of the application on the cluster. */
  targetId: string;
  sha: string;
  /** The bundle that target applied (pull), null when it was applied by a push worker. */
  bundleDigest: string | null;
}

/**
 * What a cluster should hold: for every live application with a destination on it, the revision
 * last applied there. Applications never applied there, or with a target queued or running
 * (that apply decides), are left out.
 */
export async function desiredStateOf(db: DbTx, clusterId: string): Promise<DesiredState[]> {
  const destinations = await db.applicationDestination.findMany({
    where: { clusterId, application: { deletedAt: null } },
    select: {
      namespace: true,
      application: { select: { id: true, name: true, repoUrl: true, path: true, selfHeal: true } },
    },
    orderBy: { application: { name: 'asc' } },
  });
  const out: DesiredState[] = [];
  for (const d of destinations) {
    const app = d.application;
    const inFlight = await db.deploymentTarget.count({
      where: { clusterId, deployment: { applicationId: app.id }, status: { in: ['queued', 'running'] } },
    });
    if (inFlight > 0) continue;
    const applied = await db.deploymentTarget.findFirst({
      where: { clusterId, status: 'succeeded', deployment: { applicationId: app.id } },
      orderBy: { id: 'desc' },
      select: { id: true, bundleDigest: true, deployment: { select: { sha: true } } },
    });
    if (!applied) continue;
    out.push({
      applicationId: app.id,
      application: app.name,
      repoUrl: app.repoUrl,
      path: app.path,
      namespace: d.namespace,
      selfHeal: app.selfHeal,
      targetId: applied.id,
      sha: applied.deployment.sha,
      bundleDigest: applied.bundleDigest,
    });
  }
  return out;
}
