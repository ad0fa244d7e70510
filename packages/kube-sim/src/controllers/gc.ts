// The garbage collector: deleting an owner deletes its dependents (ownerReferences), or,
// for propagationPolicy=Orphan, removes the reference from them.
import type { VirtualCluster } from '../cluster.ts';
import { systemDelete, systemUpdate } from '../engine/system.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { isRecord } from '../util.ts';

const MANAGER = 'kube-controller-manager';

interface Ref {
  storageKey: string;
  namespace: string | undefined;
  name: string;
}

function ownerUids(obj: KubeObject): string[] {
  const refs = obj.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(isRecord).map((r) => String(r.uid ?? ''));
}

/** Returns a function that re-indexes every stored object (after a snapshot restore). */
export function installGarbageCollector(cluster: VirtualCluster): () => void {
  // owner uid -> dependents, kept current from the event stream.
  const dependents = new Map<string, Map<string, Ref>>();
  const index = (obj: KubeObject, storageKey: string, add: boolean): void => {
    const key = `${storageKey}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    for (const uid of ownerUids(obj)) {
      let set = dependents.get(uid);
      if (!set) {
        if (!add) continue;
        set = new Map();
        dependents.set(uid, set);
      }
      if (add) set.set(key, { storageKey, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' });
      else {
        set.delete(key);
        if (set.size === 0) dependents.delete(uid);
      }
    }
  };

  const collect = (ownerUid: string, cascade: boolean): void => {
    const set = dependents.get(ownerUid);
    if (!set) return;
    for (const ref of [...set.values()]) {
      const obj = cluster.store.get(ref.storageKey, ref.namespace, ref.name);
      const def = cluster.registry.byStorageKey(ref.storageKey);
      if (!obj || !def) continue;
      if (cascade) {
        if (!obj.metadata.deletionTimestamp) systemDelete(cluster, def, obj, MANAGER);
      } else {
        systemUpdate(cluster, def, obj, MANAGER, (o) => {
          const refs = (o.metadata.ownerReferences as unknown[]).filter(
            (r) => !isRecord(r) || r.uid !== ownerUid,
          );
          if (refs.length === 0) delete o.metadata.ownerReferences;
          else o.metadata.ownerReferences = refs;
        });
      }
    }
  };

  cluster.store.addController((ev: StoreEvent) => {
    if (ev.prev) index(ev.prev, ev.storageKey, false);
    if (ev.type !== 'DELETED') index(ev.object, ev.storageKey, true);
    else collect(ev.object.metadata.uid ?? '', ev.cascade !== false);
  });
  return () => {
    dependents.clear();
    for (const key of cluster.store.storageKeys()) {
      for (const obj of cluster.store.list(key)) index(obj, key, true);
    }
  };
}
