import type { KubeObject } from '../types.ts';

/** One field another manager owns, as the apiserver names it in a 409. */
export interface Conflict {
  manager: string;
  /** e.g. ".spec.replicas" or ".spec.template.spec.containers[name=\"web\"].image" */
  field: string;
  /** The owner's managedFields entry, for the apiserver's wording (see conflictMessage). */
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  subresource?: string;
  time?: string;
}

export interface ApplyInput {
  /** The stored object, or undefined when apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration exactly as the client sent it (parsed YAML/JSON). */
  config: KubeObject;
  manager: string;
  force: boolean;
  /** RFC 3339 timestamp to stamp on changed managedFields entries. */
  now: string;
  /** "status" for apply to the status subresource; otherwise the main resource (status ignored). */
  subresource?: string;
}

/**
 * applyConfiguration throws ApplyError (exported from this folder) when the configuration
 * itself is malformed, e.g. a list item without its merge key or duplicate keys; the apiserver
 * answers those with 500 "failed to create typed patch object".
 */
export type ApplyOutcome =
  /** `changed` is false when the result equals `live` (then `object` is `live`, untouched, managedFields included). */
  { ok: true; object: KubeObject; changed: boolean } | { ok: false; conflicts: Conflict[] };

export interface UpdateInput {
  /** Object before a create/update/merge-patch/json-patch/strategic-patch, undefined on create. */
  before: KubeObject | undefined;
  /** Object after the write, before managedFields are recomputed. */
  after: KubeObject;
  manager: string;
  now: string;
  /** "status" for writes to the status subresource (only status is then recorded). */
  subresource?: string;
}
