// Builds a working virtual cluster: controllers wired to its store, the namespaces every
// cluster has, or the state restored from a snapshot.
import { type ClusterConfig, VirtualCluster } from './cluster.ts';
import { installCrdController, registerCrd } from './controllers/crd.ts';
import { installGarbageCollector } from './controllers/gc.ts';
import { installNamespaceController } from './controllers/namespace.ts';
import { installServiceAccountController } from './controllers/serviceaccount.ts';
import { installStatusController, revisionOf, trackObject } from './controllers/status.ts';
import { installWorkloadControllers } from './controllers/workloads.ts';
import { createObject } from './engine/create.ts';
import { writeStatusAs } from './engine/system.ts';
import type { ClusterSnapshot } from './snapshot.ts';
import { isSimulated } from './status/index.ts';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const CRD_KEY = 'customresourcedefinitions.apiextensions.k8s.io';

function bootstrap(cluster: VirtualCluster): void {
  const def = cluster.registry.lookup('', 'v1', 'namespaces');
  if (!def) return;
  for (const name of SYSTEM_NAMESPACES) {
    createObject({ cluster, def, manager: 'kube-apiserver', dryRun: false }, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
}

/** The node simulated pods run on, Ready, as `kubectl get nodes` shows it. */
function bootstrapNode(cluster: VirtualCluster): void {
  const def = cluster.registry.lookup('', 'v1', 'nodes');
  if (!def) return;
  const node = createObject({ cluster, def, manager: 'kubelet', dryRun: false }, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'kube-sim-node',
      labels: {
        'kubernetes.io/hostname': 'kube-sim-node',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  }).object;
  const since = node.metadata.creationTimestamp ?? null;
  const resources = { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  writeStatusAs(
    cluster,
    def,
    node,
    {
      capacity: resources,
      allocatable: resources,
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
          lastHeartbeatTime: since,
          lastTransitionTime: since,
        },
        {
          type: 'DiskPressure',
          status: 'False',
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
          lastHeartbeatTime: since,
          lastTransitionTime: since,
        },
        {
          type: 'PIDPressure',
          status: 'False',
          reason: 'KubeletHasSufficientPID',
          message: 'kubelet has sufficient PID available',
          lastHeartbeatTime: since,
          lastTransitionTime: since,
        },
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: since,
          lastTransitionTime: since,
        },
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: 'kube-sim-node' },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'kube-sim',
        kernelVersion: '6.8.0',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
    'kubelet',
  );
}

function restore(cluster: VirtualCluster, snap: ClusterSnapshot): void {
  const store = cluster.store;
  for (const { storageKey, object } of snap.objects) store.restore(storageKey, object);
  store.resetRv(snap.resourceVersion);
  for (const crd of store.list(CRD_KEY)) if (!crd.metadata.deletionTimestamp) registerCrd(cluster, crd);
  for (const { storageKey, object } of snap.objects) {
    if (!isSimulated(object.apiVersion, object.kind)) continue;
    const uid = object.metadata.uid ?? '';
    const tracked = snap.tracking[uid];
    const ref = { storageKey, namespace: object.metadata.namespace, name: object.metadata.name ?? '' };
    if (tracked?.templates) cluster.tracking.set(uid, { ...tracked });
    trackObject(cluster, ref, tracked?.revision ?? revisionOf(object), uid, tracked?.since ?? cluster.now());
  }
}

export function createCluster(cfg: ClusterConfig, snapshot?: ClusterSnapshot): VirtualCluster {
  const cluster = new VirtualCluster(cfg);
  installStatusController(cluster);
  installNamespaceController(cluster);
  const reindex = installGarbageCollector(cluster);
  installCrdController(cluster);
  installServiceAccountController(cluster);
  installWorkloadControllers(cluster);
  if (snapshot) {
    restore(cluster, snapshot);
    reindex();
  } else {
    bootstrap(cluster);
    if (cluster.simulatePods) bootstrapNode(cluster);
  }
  return cluster;
}
