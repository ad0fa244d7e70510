// Apply order: what others depend on goes first (after Argo CD's and Helm's kind orders).
// Objects of one tier keep their render order.
import { groupOf, type KubeObject, type RenderedObject } from './types.ts';

const TIERS: string[][] = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  ['PriorityClass', 'StorageClass', 'IngressClass', 'RuntimeClass', 'PodSecurityPolicy'],
  ['ClusterRole', 'ClusterRoleBinding'],
  ['ServiceAccount'],
  ['Role', 'RoleBinding'],
  ['ResourceQuota', 'LimitRange'],
  ['ConfigMap', 'Secret'],
  ['PersistentVolume', 'PersistentVolumeClaim'],
  ['Service', 'Endpoints', 'EndpointSlice'],
  ['Pod', 'ReplicationController', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'],
  ['HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  ['Ingress', 'NetworkPolicy'],
  // Admission webhooks and aggregated APIs last among built-ins: they need their backends up.
  ['APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
];

const RANK = new Map<string, number>();
TIERS.forEach((kinds, tier) => {
  for (const kind of kinds) RANK.set(kind, tier);
});
const OTHER_BUILTIN = TIERS.length;
const CUSTOM = OTHER_BUILTIN + 1;
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'extensions']);

function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group) || group === 'k8s.io' || group.endsWith('.k8s.io');
}

/** Position class of a kind: known kinds by their tier, other built-ins, then custom resources. */
export function applyRank(obj: KubeObject): number {
  const group = groupOf(obj.apiVersion);
  if (!isBuiltinGroup(group)) return CUSTOM;
  return RANK.get(obj.kind) ?? OTHER_BUILTIN;
}

/** A new array in apply order; stable, so equal ranks keep their render order. */
export function orderForApply<T extends RenderedObject | KubeObject>(objects: readonly T[]): T[] {
  const manifest = (o: T): KubeObject => ('manifest' in o && 'source' in o ? o.manifest : o) as KubeObject;
  return objects
    .map((o, i) => ({ o, i, rank: applyRank(manifest(o)) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.o);
}
