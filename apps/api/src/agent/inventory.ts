// The prune candidates an agent gets with a job or a diff: what earlier syncs of the application
// left on its cluster (the push worker reads the same list from the database).
import type { InventoryRef } from '@tether/core';
import { type DbTx, lastAppliedObjects } from '@tether/db';

/** Results that mean "this object is on the cluster, applied by this application". */
const INVENTORY_ACTIONS = new Set(['created', 'configured', 'unchanged', 'orphaned']);

export async function agentInventory(
  db: DbTx,
  applicationId: string,
  clusterId: string,
): Promise<InventoryRef[]> {
  return (await lastAppliedObjects(db, applicationId, clusterId))
    .filter((o) => INVENTORY_ACTIONS.has(o.action))
    .map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      name: o.name,
    }));
}
