// Whose an object in the cluster is, as far as a prune is concerned: Tether's labels for the
// application, no controlling owner, and no other field manager owning anything but metadata.
import type { KubeObject } from '@tether/manifests';
import { APPLICATION_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels.ts';

interface ManagedFieldsEntry {
  manager?: unknown;
  operation?: unknown;
  subresource?: unknown;
  fieldsV1?: unknown;
}

export interface ForeignOwner {
  manager: string;
  operation: string;
  /** `.spec.replicas`, `.spec.template.spec.containers[name="web"].image`. */
  fields: string[];
}

// Writes through these subresources adjust an object without claiming it: controllers report
// status, autoscalers (and `kubectl scale`) set replicas.
const ADJUSTING_SUBRESOURCES = new Set(['status', 'scale']);
// Top-level fields that say nothing about who owns the object's content.
const NEUTRAL_TOP = new Set(['f:metadata', 'f:apiVersion', 'f:kind', 'f:status']);

function segment(key: string): string {
  if (key.startsWith('f:')) return `.${key.slice(2)}`;
  if (key.startsWith('k:')) {
    try {
      const parts = Object.entries(JSON.parse(key.slice(2)) as Record<string, unknown>);
      return `[${parts.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } catch {
      return `[${key.slice(2)}]`;
    }
  }
  if (key.startsWith('v:')) return `[=${key.slice(2)}]`;
  if (key.startsWith('i:')) return `[${key.slice(2)}]`;
  return `.${key}`;
}

/** The leaf paths of a FieldsV1 set, as the apiserver names them in conflicts. */
export function fieldPaths(fields: unknown, prefix = ''): string[] {
  if (typeof fields !== 'object' || fields === null) return [prefix];
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) return [prefix];
  const out: string[] = [];
  for (const k of keys)
    out.push(...fieldPaths((fields as Record<string, unknown>)[k], `${prefix}${segment(k)}`));
  return out;
}

/** Managers other than `fieldManager` that own fields beyond metadata and status. */
export function foreignOwners(obj: KubeObject, fieldManager: string): ForeignOwner[] {
  const entries = Array.isArray(obj.metadata.managedFields)
    ? (obj.metadata.managedFields as ManagedFieldsEntry[])
    : [];
  const out: ForeignOwner[] = [];
  for (const e of entries) {
    const manager = typeof e.manager === 'string' ? e.manager : '';
    if (manager === fieldManager) continue;
    if (typeof e.subresource === 'string' && ADJUSTING_SUBRESOURCES.has(e.subresource)) continue;
    if (typeof e.fieldsV1 !== 'object' || e.fieldsV1 === null) continue;
    const fields: string[] = [];
    for (const [k, v] of Object.entries(e.fieldsV1)) {
      if (!NEUTRAL_TOP.has(k)) fields.push(...fieldPaths(v, segment(k)));
    }
    if (fields.length > 0) {
      out.push({ manager, operation: typeof e.operation === 'string' ? e.operation : 'Update', fields });
    }
  }
  return out;
}

function listed(items: readonly string[], max = 3): string {
  return items.length > max
    ? `${items.slice(0, max).join(', ')} (+${items.length - max} more)`
    : items.join(', ');
}

/**
 * Why a prune must leave this object alone, or undefined when it is the application's to delete.
 * Only the object itself is judged here; what deleting it would take along (a namespace's
 * contents, a CRD's custom resources) is checked by the prune plan.
 */
export function pruneBlocker(obj: KubeObject, application: string, fieldManager: string): string | undefined {
  const refs = Array.isArray(obj.metadata.ownerReferences)
    ? (obj.metadata.ownerReferences as Array<{ kind?: unknown; name?: unknown; controller?: unknown }>)
    : [];
  const controller = refs.find((r) => r.controller === true);
  if (controller) return `controlled by ${String(controller.kind)} ${String(controller.name)}`;
  const labels = obj.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    return `not labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
  }
  const owner = labels[APPLICATION_LABEL];
  if (owner === undefined) return `no ${APPLICATION_LABEL} label`;
  if (owner !== application) return `owned by application "${owner}"`;
  const foreign = foreignOwners(obj, fieldManager);
  if (foreign.length > 0) {
    return `also managed by ${foreign
      .map((f) => `"${f.manager}" (${f.operation}: ${listed(f.fields)})`)
      .join('; ')}`;
  }
  return undefined;
}
