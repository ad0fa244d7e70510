// What Tether last applied of an application to a cluster: the per-object results of the newest
// succeeded target. Prune compares this inventory with what the next revision renders.
import type { DbTx } from '../client.ts';
import type { TargetObjectResult } from './targets.ts';

export async function lastAppliedObjects(
  db: DbTx,
  applicationId: string,
  clusterId: string,
): Promise<TargetObjectResult[]> {
  const last = await db.deploymentTarget.findFirst({
    where: { clusterId, status: 'succeeded', deployment: { applicationId } },
    orderBy: { id: 'desc' },
    select: { objects: true },
  });
  return Array.isArray(last?.objects) ? (last.objects as unknown as TargetObjectResult[]) : [];
}

export interface LastApplied {
  targetId: string;
  deploymentId: string;
  sha: string;
  finishedAt: Date | null;
  objects: TargetObjectResult[];
}

/** The newest succeeded target of the application on the cluster, if it was ever applied. */
export async function lastApplied(
  db: DbTx,
  applicationId: string,
  clusterId: string,
): Promise<LastApplied | undefined> {
  const last = await db.deploymentTarget.findFirst({
    where: { clusterId, status: 'succeeded', deployment: { applicationId } },
    orderBy: { id: 'desc' },
    select: { id: true, objects: true, finishedAt: true, deployment: { select: { id: true, sha: true } } },
  });
  if (!last) return undefined;
  return {
    targetId: last.id,
    deploymentId: last.deployment.id,
    sha: last.deployment.sha,
    finishedAt: last.finishedAt,
    objects: Array.isArray(last.objects) ? (last.objects as unknown as TargetObjectResult[]) : [],
  };
}
