// Optional workload controllers (`simulatePods`): Deployments own ReplicaSets, and ReplicaSets,
// StatefulSets, DaemonSets and Jobs own Pods, named and labelled as their real controllers do.
// Status stays with the status simulation; deleting an owner removes these through the GC.
import type { VirtualCluster } from '../cluster.ts';
import { createObject } from '../engine/create.ts';
import { systemContext, systemDelete, systemUpdate } from '../engine/system.ts';
import type { ResourceDef } from '../registry.ts';
import { templateHash } from '../status/images.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { clone, getPath, isRecord, randomSuffix } from '../util.ts';
import { deploymentRevision, REVISION_ANNOTATION } from './status.ts';

const MANAGER = 'kube-controller-manager';
const RS_KEY = 'replicasets.apps';
const NODE = 'kube-sim-node';

function controllerRef(owner: KubeObject): Record<string, unknown> {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  const refs = obj.metadata.ownerReferences;
  return Array.isArray(refs) && refs.some((r) => isRecord(r) && r.uid === owner.metadata.uid);
}

function replicasOf(obj: KubeObject): number {
  const r = getPath(obj, 'spec.replicas');
  return typeof r === 'number' ? r : 1;
}

function def(cluster: VirtualCluster, group: string, resource: string): ResourceDef | undefined {
  return cluster.registry.lookup(group, 'v1', resource);
}

function create(
  cluster: VirtualCluster,
  d: ResourceDef,
  namespace: string | undefined,
  body: KubeObject,
): void {
  createObject(systemContext(cluster, d, MANAGER), namespace, body);
}

/** A Pod from a template, owned by `owner`. */
function podFrom(
  owner: KubeObject,
  name: string,
  labels: Record<string, string>,
  extraSpec: Record<string, unknown> = {},
): KubeObject {
  const template = isRecord(getPath(owner, 'spec.template'))
    ? (getPath(owner, 'spec.template') as Record<string, unknown>)
    : {};
  const meta = isRecord(template.metadata) ? template.metadata : {};
  const spec = isRecord(template.spec) ? clone(template.spec) : {};
  const metadata: KubeObject['metadata'] = {
    name,
    namespace: owner.metadata.namespace,
    labels: { ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}), ...labels },
    ownerReferences: [controllerRef(owner)],
  };
  if (isRecord(meta.annotations)) metadata.annotations = meta.annotations as Record<string, string>;
  // Scheduled at once onto the one simulated node.
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { nodeName: NODE, ...spec, ...extraSpec } };
}

function podsOf(cluster: VirtualCluster, owner: KubeObject): KubeObject[] {
  return cluster.store
    .list('pods', owner.metadata.namespace)
    .filter((p) => ownedBy(p, owner) && !p.metadata.deletionTimestamp);
}

function deletePod(cluster: VirtualCluster, pod: KubeObject): void {
  const podDef = def(cluster, '', 'pods');
  if (podDef) systemDelete(cluster, podDef, pod, MANAGER);
}

function syncReplicaSet(cluster: VirtualCluster, rs: KubeObject): void {
  const podDef = def(cluster, '', 'pods');
  if (!podDef) return;
  const pods = podsOf(cluster, rs);
  const want = replicasOf(rs);
  for (let i = pods.length; i < want; i++) {
    create(cluster, podDef, rs.metadata.namespace, podFrom(rs, `${rs.metadata.name}-${randomSuffix()}`, {}));
  }
  for (const pod of pods.slice(want)) deletePod(cluster, pod);
}

function syncDeployment(cluster: VirtualCluster, deploy: KubeObject): void {
  const rsDef = def(cluster, 'apps', 'replicasets');
  if (!rsDef) return;
  const hash = templateHash(deploy);
  const name = `${deploy.metadata.name}-${hash}`;
  const replicas = replicasOf(deploy);
  const revision = String(deploymentRevision(cluster, deploy));
  const owned = cluster.store.list(RS_KEY, deploy.metadata.namespace).filter((rs) => ownedBy(rs, deploy));
  const current = owned.find((rs) => rs.metadata.name === name);
  if (!current) {
    const template = clone(getPath(deploy, 'spec.template') ?? {}) as Record<string, unknown>;
    const meta = isRecord(template.metadata) ? template.metadata : {};
    const labels = {
      ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}),
      'pod-template-hash': hash,
    };
    template.metadata = { ...meta, labels };
    const selector = clone(getPath(deploy, 'spec.selector') ?? {}) as Record<string, unknown>;
    selector.matchLabels = {
      ...(isRecord(selector.matchLabels) ? selector.matchLabels : {}),
      'pod-template-hash': hash,
    };
    create(cluster, rsDef, deploy.metadata.namespace, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: deploy.metadata.namespace,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + 1),
          [REVISION_ANNOTATION]: revision,
        },
        ownerReferences: [controllerRef(deploy)],
      },
      spec: { replicas, selector, template },
    });
  } else if (
    replicasOf(current) !== replicas ||
    current.metadata.annotations?.[REVISION_ANNOTATION] !== revision
  ) {
    systemUpdate(cluster, rsDef, current, MANAGER, (rs) => {
      (rs.spec as Record<string, unknown>).replicas = replicas;
      rs.metadata.annotations = { ...rs.metadata.annotations, [REVISION_ANNOTATION]: revision };
    });
  }
  // Old ReplicaSets scale down once the new one is available; history beyond the limit goes.
  const done =
    getPath(deploy, 'status.availableReplicas') === replicas &&
    getPath(deploy, 'status.observedGeneration') === deploy.metadata.generation;
  const old = owned.filter((rs) => rs.metadata.name !== name);
  if (done) {
    for (const rs of old) {
      if (replicasOf(rs) !== 0)
        systemUpdate(cluster, rsDef, rs, MANAGER, (o) => ((o.spec as Record<string, unknown>).replicas = 0));
    }
  }
  const limit =
    typeof getPath(deploy, 'spec.revisionHistoryLimit') === 'number'
      ? (getPath(deploy, 'spec.revisionHistoryLimit') as number)
      : 10;
  const byRevision = old.sort(
    (a, b) =>
      Number(a.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) -
      Number(b.metadata.annotations?.[REVISION_ANNOTATION] ?? 0),
  );
  for (const rs of byRevision.slice(0, Math.max(0, byRevision.length - limit)))
    systemDelete(cluster, rsDef, rs, MANAGER);
}

/** StatefulSets and DaemonSets: pods carry the revision they were made from and are replaced. */
function syncRevisioned(cluster: VirtualCluster, owner: KubeObject, names: string[]): void {
  const podDef = def(cluster, '', 'pods');
  if (!podDef) return;
  const revision = `${owner.metadata.name}-${templateHash(owner)}`;
  const pods = podsOf(cluster, owner);
  for (const pod of pods) {
    const stale = pod.metadata.labels?.['controller-revision-hash'] !== revision;
    const unwanted = owner.kind === 'StatefulSet' && !names.includes(pod.metadata.name ?? '');
    if (stale || unwanted) deletePod(cluster, pod);
  }
  const live = podsOf(cluster, owner);
  if (owner.kind === 'StatefulSet') {
    names.forEach((podName, index) => {
      if (live.some((p) => p.metadata.name === podName)) return;
      const labels = {
        'controller-revision-hash': revision,
        'statefulset.kubernetes.io/pod-name': podName,
        'apps.kubernetes.io/pod-index': String(index),
      };
      const serviceName = getPath(owner, 'spec.serviceName');
      const extra: Record<string, unknown> = { hostname: podName };
      if (typeof serviceName === 'string' && serviceName) extra.subdomain = serviceName;
      create(cluster, podDef, owner.metadata.namespace, podFrom(owner, podName, labels, extra));
    });
  } else if (live.length === 0) {
    const labels = {
      'controller-revision-hash': revision,
      'pod-template-generation': String(owner.metadata.generation ?? 1),
    };
    create(
      cluster,
      podDef,
      owner.metadata.namespace,
      podFrom(owner, `${owner.metadata.name}-${randomSuffix()}`, labels),
    );
  }
}

function syncJob(cluster: VirtualCluster, job: KubeObject): void {
  const podDef = def(cluster, '', 'pods');
  if (!podDef || podsOf(cluster, job).length > 0) return;
  const conditions = getPath(job, 'status.conditions');
  if (
    Array.isArray(conditions) &&
    conditions.some((c) => isRecord(c) && (c.type === 'Complete' || c.type === 'Failed'))
  )
    return;
  const parallelism =
    typeof getPath(job, 'spec.parallelism') === 'number' ? (getPath(job, 'spec.parallelism') as number) : 1;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  for (let i = 0; i < parallelism; i++)
    create(cluster, podDef, job.metadata.namespace, podFrom(job, `${name}-${randomSuffix()}`, labels));
}

export function installWorkloadControllers(cluster: VirtualCluster): void {
  if (!cluster.simulatePods) return;
  cluster.store.addController((ev: StoreEvent) => {
    const obj = ev.object;
    if (ev.type === 'DELETED' || obj.metadata.deletionTimestamp) return;
    switch (`${obj.apiVersion}/${obj.kind}`) {
      case 'apps/v1/Deployment':
        return syncDeployment(cluster, obj);
      case 'apps/v1/ReplicaSet':
        return syncReplicaSet(cluster, obj);
      case 'apps/v1/StatefulSet':
        return syncRevisioned(
          cluster,
          obj,
          Array.from({ length: replicasOf(obj) }, (_, i) => `${obj.metadata.name}-${i}`),
        );
      case 'apps/v1/DaemonSet':
        return syncRevisioned(cluster, obj, []);
      case 'batch/v1/Job':
        return syncJob(cluster, obj);
    }
  });
}
