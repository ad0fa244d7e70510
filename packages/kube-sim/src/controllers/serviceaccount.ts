// The service-account controller: every namespace gets a "default" ServiceAccount.
import type { VirtualCluster } from '../cluster.ts';
import { createObject } from '../engine/create.ts';
import type { StoreEvent } from '../store.ts';

export function installServiceAccountController(cluster: VirtualCluster): void {
  cluster.store.addController((ev: StoreEvent) => {
    if (ev.storageKey !== 'namespaces' || ev.type !== 'ADDED') return;
    const namespace = ev.object.metadata.name ?? '';
    const def = cluster.registry.lookup('', 'v1', 'serviceaccounts');
    if (!def || cluster.store.get('serviceaccounts', namespace, 'default')) return;
    createObject({ cluster, def, manager: 'kube-controller-manager', dryRun: false }, namespace, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace },
    });
  });
}
