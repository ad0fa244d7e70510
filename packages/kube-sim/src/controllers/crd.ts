// The apiextensions controllers: a CRD's types are served as soon as it is stored; deleting it
// removes every custom resource of those types, then the CRD itself.
import type { VirtualCluster } from '../cluster.ts';
import { CRD_FINALIZER, crdDefs, crdStatus, crdStorageKey } from '../crd.ts';
import { systemPurge, systemUpdate, writeStatusAs } from '../engine/system.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { deepEqual } from '../util.ts';

const CRD_KEY = 'customresourcedefinitions.apiextensions.k8s.io';
const MANAGER = 'kube-apiserver';

export function registerCrd(cluster: VirtualCluster, crd: KubeObject): void {
  cluster.registry.setCrd(crd.metadata.name ?? '', crdDefs(crd));
}

function cleanup(cluster: VirtualCluster, crd: KubeObject): void {
  const storageKey = crdStorageKey(crd);
  cluster.registry.removeCrd(crd.metadata.name ?? '');
  for (const obj of cluster.store.list(storageKey)) systemPurge(cluster, storageKey, obj);
  const def = cluster.registry.byStorageKey(CRD_KEY);
  if (!def) return;
  systemUpdate(cluster, def, crd, MANAGER, (o) => {
    o.metadata.finalizers = o.metadata.finalizers?.filter((f) => f !== CRD_FINALIZER) ?? [];
  });
}

export function installCrdController(cluster: VirtualCluster): void {
  cluster.store.addController((ev: StoreEvent) => {
    if (ev.storageKey !== CRD_KEY) return;
    const crd = ev.object;
    if (ev.type === 'DELETED') {
      // Deleted without going through the finalizer (e.g. forced): drop its types anyway.
      cluster.registry.removeCrd(crd.metadata.name ?? '');
      return;
    }
    if (crd.metadata.deletionTimestamp) {
      cleanup(cluster, crd);
      return;
    }
    registerCrd(cluster, crd);
    const def = cluster.registry.byStorageKey(CRD_KEY);
    if (!def) return;
    if (ev.type === 'ADDED' && !(crd.metadata.finalizers ?? []).includes(CRD_FINALIZER)) {
      // Its MODIFIED event brings us back here for the status.
      systemUpdate(cluster, def, crd, MANAGER, (o) => {
        o.metadata.finalizers = [...(o.metadata.finalizers ?? []), CRD_FINALIZER];
      });
      return;
    }
    const status = crdStatus(crd, cluster.now());
    if (!deepEqual(status, crd.status)) writeStatusAs(cluster, def, crd, status, MANAGER);
  });
}
