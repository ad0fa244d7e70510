// Field-level differences between an object as it is and as it would be: what a diff shows.
// Server-managed metadata and status are not the application's and never count.
import type { KubeObject } from '@tether/manifests';

export interface FieldChange {
  /** `spec.replicas`, `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  path: string;
  /** Absent when the field is added. */
  from?: unknown;
  /** Absent when the field is removed. */
  to?: unknown;
}

const SERVER_METADATA = [
  'resourceVersion',
  'managedFields',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

function comparable(obj: KubeObject): Record<string, unknown> {
  const { status: _status, ...rest } = obj;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const f of SERVER_METADATA) delete metadata[f];
  return { ...rest, metadata };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function child(path: string, key: string): string {
  if (IDENT.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(from: unknown, to: unknown, path: string, out: FieldChange[]): void {
  if (isPlain(from) && isPlain(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    for (const k of keys) walk(from[k], to[k], child(path, k), out);
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    for (let i = 0; i < Math.max(from.length, to.length); i++) walk(from[i], to[i], `${path}[${i}]`, out);
    return;
  }
  if (from === undefined && to === undefined) return;
  if (JSON.stringify(from) === JSON.stringify(to)) return;
  out.push({ path, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
}

/** The fields that differ from `live` in `next`, in path order. */
export function fieldChanges(live: KubeObject, next: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(comparable(live), comparable(next), '', out);
  return out;
}
