// The checks the API server would make on metadata, done before anything is applied so that a
// bad file fails the whole render instead of half an application reaching the cluster.
import { groupOf, type KubeObject } from './types.ts';

/** A problem at a field path inside one object. */
export class FieldProblem extends Error {
  readonly path: (string | number)[];
  constructor(path: (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && SUBDOMAIN.test(s);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks apiVersion, kind and metadata; returns the value typed as a KubeObject. */
export function validateObject(value: Record<string, unknown>): KubeObject {
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || !validApiVersion(apiVersion)) {
    throw new FieldProblem(['apiVersion'], `invalid apiVersion ${JSON.stringify(apiVersion)}`);
  }
  if (typeof kind !== 'string' || !KIND.test(kind)) {
    throw new FieldProblem(['kind'], `invalid kind ${JSON.stringify(kind)}`);
  }
  if (!isPlainObject(metadata)) throw new FieldProblem(['metadata'], 'metadata must be a map');
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    const hint = metadata.generateName === undefined ? '' : ' (generateName cannot be applied)';
    throw new FieldProblem(['metadata', 'name'], `metadata.name is required${hint}`);
  }
  const nameProblem = checkName(groupOf(apiVersion), kind, name);
  if (nameProblem) throw new FieldProblem(['metadata', 'name'], `metadata.name "${name}" ${nameProblem}`);
  const ns = metadata.namespace;
  if (ns !== undefined && ns !== null && (typeof ns !== 'string' || !isDns1123Label(ns))) {
    throw new FieldProblem(
      ['metadata', 'namespace'],
      `metadata.namespace ${JSON.stringify(ns)} is not a valid DNS-1123 label`,
    );
  }
  checkStringMap(metadata.labels, 'labels', true);
  checkStringMap(metadata.annotations, 'annotations', false);
  return value as KubeObject;
}

/** Why `name` is not acceptable for this kind, or undefined when it is. */
export function checkName(group: string, kind: string, name: string): string | undefined {
  if (group === '' && kind === 'Namespace') {
    return isDns1123Label(name) ? undefined : 'is not a valid DNS-1123 label';
  }
  if (group === '' && kind === 'Service') {
    return name.length <= 63 && DNS1035.test(name) ? undefined : 'is not a valid DNS-1035 label';
  }
  if (group === 'rbac.authorization.k8s.io' && RBAC_KINDS.has(kind)) {
    // RBAC names are path segments, so `system:controller:x` is fine.
    return name === '.' || name === '..' || /[/%]/.test(name)
      ? 'is not a valid path segment name'
      : undefined;
  }
  return isDns1123Subdomain(name) ? undefined : 'is not a valid DNS-1123 subdomain';
}

function validApiVersion(v: string): boolean {
  const parts = v.split('/');
  if (parts.length > 2) return false;
  const version = parts[parts.length - 1] ?? '';
  const group = parts.length === 2 ? (parts[0] ?? '') : undefined;
  return isDns1123Label(version) && (group === undefined || isDns1123Subdomain(group));
}

function checkStringMap(value: unknown, field: 'labels' | 'annotations', isLabels: boolean): void {
  if (value === undefined || value === null) return;
  const path = ['metadata', field];
  if (!isPlainObject(value)) throw new FieldProblem(path, `metadata.${field} must be a map of strings`);
  let total = 0;
  for (const [key, v] of Object.entries(value)) {
    if (!validQualifiedKey(key))
      throw new FieldProblem([...path, key], `metadata.${field} key "${key}" is invalid`);
    if (typeof v !== 'string') {
      throw new FieldProblem(
        [...path, key],
        `metadata.${field}.${key} must be a string, got ${JSON.stringify(v)}`,
      );
    }
    if (isLabels && (v.length > 63 || !LABEL_VALUE.test(v))) {
      throw new FieldProblem(
        [...path, key],
        `metadata.labels.${key} value "${v}" is not a valid label value`,
      );
    }
    total += key.length + v.length;
  }
  if (!isLabels && total > MAX_ANNOTATIONS_BYTES) {
    throw new FieldProblem(path, `metadata.annotations exceed ${MAX_ANNOTATIONS_BYTES} bytes`);
  }
}

function validQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}
