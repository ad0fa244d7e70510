// The namespace controller: a Terminating namespace has its contents deleted, then goes away.
import type { VirtualCluster } from '../cluster.ts';
import { systemDelete } from '../engine/system.ts';
import type { StoreEvent } from '../store.ts';
import { clone } from '../util.ts';

const MANAGER = 'kube-controller-manager';

function finalize(cluster: VirtualCluster, namespace: string): void {
  const store = cluster.store;
  const live = store.get('namespaces', undefined, namespace);
  if (!live?.metadata.deletionTimestamp) return;
  let remaining = 0;
  for (const key of store.storageKeys()) {
    const def = cluster.registry.byStorageKey(key);
    if (!def?.namespaced) continue;
    for (const obj of store.list(key, namespace)) {
      if (!obj.metadata.deletionTimestamp) systemDelete(cluster, def, obj, MANAGER);
    }
    // Removal is immediate; what is left waits for its finalizers.
    remaining += store.list(key, namespace).length;
  }
  if (remaining > 0) return;
  const rv = store.nextRv();
  const final = clone(live);
  final.metadata.resourceVersion = String(rv);
  final.spec = { ...(final.spec as object | undefined), finalizers: [] };
  store.remove('namespaces', final, live, rv, true);
}

export function installNamespaceController(cluster: VirtualCluster): void {
  cluster.store.addController((ev: StoreEvent) => {
    if (ev.storageKey === 'namespaces') {
      if (ev.type !== 'DELETED' && ev.object.metadata.deletionTimestamp)
        finalize(cluster, ev.object.metadata.name ?? '');
      return;
    }
    const ns = ev.object.metadata.namespace;
    if (ev.type === 'DELETED' && ns) finalize(cluster, ns);
  });
}
