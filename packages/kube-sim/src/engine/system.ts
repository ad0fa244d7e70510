// Writes the simulator makes on its own behalf (controllers), outside any HTTP request.
import type { VirtualCluster } from '../cluster.ts';
import { setStatusManager } from '../fieldsv1.ts';
import type { ResourceDef } from '../registry.ts';
import type { KubeObject } from '../types.ts';
import { clone, rfc3339 } from '../util.ts';
import { bumpGeneration, type Committed, persist } from './commit.ts';
import type { OpContext } from './context.ts';
import { type DeleteResult, deleteObject } from './delete.ts';

export function systemContext(cluster: VirtualCluster, def: ResourceDef, manager: string): OpContext {
  return { cluster, def, manager, dryRun: false };
}

/** Stores a new status (and controller-owned annotations), owned by `manager` through /status. */
export function writeStatusAs(
  cluster: VirtualCluster,
  def: ResourceDef,
  live: KubeObject,
  status: Record<string, unknown>,
  manager: string,
  annotations: Record<string, string> = {},
): Committed {
  const after = clone(live);
  after.status = status;
  if (Object.keys(annotations).length > 0) {
    after.metadata.annotations = { ...after.metadata.annotations, ...annotations };
  }
  setStatusManager(after, manager, rfc3339(cluster.now()), Object.keys(annotations));
  return persist(systemContext(cluster, def, manager), live, after, { explicitManagedFields: true });
}

/** Applies `mutate` to a copy of the object and stores it (no field-ownership bookkeeping). */
export function systemUpdate(
  cluster: VirtualCluster,
  def: ResourceDef,
  live: KubeObject,
  manager: string,
  mutate: (obj: KubeObject) => void,
): Committed {
  const after = clone(live);
  mutate(after);
  bumpGeneration(def, live, after);
  return persist(systemContext(cluster, def, manager), live, after, { explicitManagedFields: true });
}

export function systemDelete(
  cluster: VirtualCluster,
  def: ResourceDef,
  obj: KubeObject,
  manager: string,
): DeleteResult {
  return deleteObject(
    systemContext(cluster, def, manager),
    obj.metadata.namespace,
    obj.metadata.name ?? '',
    {},
  );
}

/** Removes an object at once, whatever its finalizers (the owner of its type is gone). */
export function systemPurge(cluster: VirtualCluster, storageKey: string, obj: KubeObject): void {
  const store = cluster.store;
  const rv = store.nextRv();
  const final = clone(obj);
  final.metadata.resourceVersion = String(rv);
  store.remove(storageKey, final, obj, rv, true);
}
