// Pieces shared by apply and update: what the apiserver never records as owned, what the
// registry strategy resets, and writing the encoded managedFields back.
import type { KubeObject, ManagedFieldsEntry } from '../types.ts';
import { FieldSet, field } from './fieldpath.ts';
import { isObject } from './value.ts';

export type Obj = Record<string, unknown>;

/** Server-set metadata: never merged from a client's config, never owned. */
export const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/** The apiserver's stripSet (identity and server fields), plus the deletion fields. */
export const STRIP = FieldSet.of(
  [field('apiVersion')],
  [field('kind')],
  [field('metadata')],
  ...['name', 'namespace', 'clusterName', ...SERVER_METADATA].map((f) => [field('metadata'), field(f)]),
);

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function metadataOf(obj: Obj): Obj {
  return isObject(obj.metadata) ? obj.metadata : {};
}

export function withoutManagedFields(obj: Obj): Obj {
  const meta = metadataOf(obj);
  if (!('managedFields' in meta)) return obj;
  const { managedFields: _, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** Sets managedFields; an empty list is omitted, as the apiserver's JSON does. */
export function withManagedFields<T extends Obj>(obj: T, entries: ManagedFieldsEntry[]): T & KubeObject {
  const meta: Obj = { ...metadataOf(obj) };
  delete meta.managedFields;
  if (entries.length > 0) meta.managedFields = entries;
  return { ...obj, metadata: meta } as T & KubeObject;
}

/** Fields the registry strategy resets: status on the main resource, the rest on /status. */
export function ignoredFields(subresource: string, ...objs: Obj[]): FieldSet {
  if (subresource !== 'status') return FieldSet.of([field('status')]);
  const keep = new Set(['apiVersion', 'kind', 'metadata', 'status']);
  const keys = new Set(objs.flatMap((o) => Object.keys(o)).filter((k) => !keep.has(k)));
  return FieldSet.of(...[...keys].map((k) => [field(k)]));
}
