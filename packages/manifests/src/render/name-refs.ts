// Kustomize's namePrefix/nameSuffix: rename objects and the references other objects of the
// same kustomization make to them by name (the common subset of kustomize's nameReference).
import { ManifestError } from '../errors.ts';
import { describeSource, groupOf, type RenderedObject } from './types.ts';
import { checkName, isPlainObject } from './validate.ts';

// Kinds kustomize never prefixes.
const KEEP_NAME = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);
const POD_TEMPLATE_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'ReplicationController',
]);

type Renamer = (kind: string, holder: unknown, key: string) => void;

export function applyNameAffixes(
  objects: RenderedObject[],
  prefix: string,
  suffix: string,
  kfile: string,
): void {
  if (prefix === '' && suffix === '') return;
  const renamed = new Map<string, string>();
  for (const { manifest, source } of objects) {
    if (KEEP_NAME.has(manifest.kind)) continue;
    const name = `${prefix}${manifest.metadata.name}${suffix}`;
    const problem = checkName(groupOf(manifest.apiVersion), manifest.kind, name);
    if (problem) {
      const msg = `${describeSource(source)}: name "${name}" after ${kfile} prefix/suffix ${problem}`;
      throw new ManifestError('invalid_manifest', msg, { ...source, field: 'metadata.name' });
    }
    renamed.set(`${manifest.kind}/${manifest.metadata.name}`, name);
    manifest.metadata.name = name;
  }
  const rename: Renamer = (kind, holder, key) => {
    if (!isPlainObject(holder) || typeof holder[key] !== 'string') return;
    const to = renamed.get(`${kind}/${holder[key]}`);
    if (to !== undefined) holder[key] = to;
  };
  for (const { manifest } of objects) rewriteReferences(manifest, rename);
}

function rewriteReferences(obj: Record<string, unknown>, rename: Renamer): void {
  const spec = obj.spec;
  const kind = obj.kind;
  if (kind === 'Pod') podSpec(spec, rename);
  if (typeof kind === 'string' && POD_TEMPLATE_KINDS.has(kind)) podSpec(at(spec, 'template', 'spec'), rename);
  if (kind === 'CronJob') podSpec(at(spec, 'jobTemplate', 'spec', 'template', 'spec'), rename);
  if (kind === 'StatefulSet') rename('Service', spec, 'serviceName');
  if (kind === 'Ingress') {
    rename('Service', at(spec, 'defaultBackend', 'service'), 'name');
    for (const rule of list(at(spec, 'rules'))) {
      for (const path of list(at(rule, 'http', 'paths')))
        rename('Service', at(path, 'backend', 'service'), 'name');
    }
    for (const tls of list(at(spec, 'tls'))) rename('Secret', tls, 'secretName');
  }
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
    const roleKind = at(obj.roleRef, 'kind');
    if (typeof roleKind === 'string') rename(roleKind, obj.roleRef, 'name');
    for (const s of list(obj.subjects))
      if (at(s, 'kind') === 'ServiceAccount') rename('ServiceAccount', s, 'name');
  }
  if (kind === 'HorizontalPodAutoscaler') {
    const target = at(spec, 'scaleTargetRef');
    const targetKind = at(target, 'kind');
    if (typeof targetKind === 'string') rename(targetKind, target, 'name');
  }
}

function podSpec(spec: unknown, rename: Renamer): void {
  if (!isPlainObject(spec)) return;
  rename('ServiceAccount', spec, 'serviceAccountName');
  rename('ServiceAccount', spec, 'serviceAccount');
  for (const s of list(spec.imagePullSecrets)) rename('Secret', s, 'name');
  for (const v of list(spec.volumes)) {
    rename('ConfigMap', at(v, 'configMap'), 'name');
    rename('Secret', at(v, 'secret'), 'secretName');
    rename('PersistentVolumeClaim', at(v, 'persistentVolumeClaim'), 'claimName');
    for (const src of list(at(v, 'projected', 'sources'))) {
      rename('ConfigMap', at(src, 'configMap'), 'name');
      rename('Secret', at(src, 'secret'), 'name');
    }
  }
  for (const c of [
    ...list(spec.initContainers),
    ...list(spec.containers),
    ...list(spec.ephemeralContainers),
  ]) {
    for (const e of list(at(c, 'env'))) {
      rename('ConfigMap', at(e, 'valueFrom', 'configMapKeyRef'), 'name');
      rename('Secret', at(e, 'valueFrom', 'secretKeyRef'), 'name');
    }
    for (const e of list(at(c, 'envFrom'))) {
      rename('ConfigMap', at(e, 'configMapRef'), 'name');
      rename('Secret', at(e, 'secretRef'), 'name');
    }
  }
}

function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = isPlainObject(v) ? v[key] : undefined;
  return v;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
