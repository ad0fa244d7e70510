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
