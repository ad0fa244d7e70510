// Server-side apply and update bookkeeping, after structured-merge-diff's merge.Updater and the
// apiserver's fieldmanager chain (strip meta, managed-fields timestamps, manager cap,
// last-applied sync for kubectl).
import type { KubeObject } from '../types.ts';
import type { ApplyInput, ApplyOutcome, Conflict, UpdateInput } from './contract.ts';
import { ApplyError } from './errors.ts';
import { FieldSet, field, pathString } from './fieldpath.ts';
import {
  capUpdateManagers,
  decodeManagers,
  encodeManagers,
  type ManagerSet,
  type Managers,
  managerId,
} from './managers.ts';
import { type Schema, schemaFor, zeroObject } from './schema.ts';
import {
  compare,
  ensureNamedFieldsAreMembers,
  excludeFields,
  merge,
  removeItems,
  toFieldSet,
} from './typed.ts';
import { clone, deepEqual, isObject } from './value.ts';

/** Server-set metadata: never merged from a client's config, never owned. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/** The apiserver's stripSet (identity and server fields), plus deletion fields. */
const STRIP = FieldSet.of(
  [field('apiVersion')],
  [field('kind')],
  [field('metadata')],
  ...['name', 'namespace', 'clusterName', ...SERVER_METADATA].map((f) => [field('metadata'), field(f)]),
);

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, unknown>;

function metadataOf(obj: Obj): Obj {
  return isObject(obj.metadata) ? obj.metadata : {};
}

function withoutManagedFields(obj: Obj): Obj {
  const meta = metadataOf(obj);
  if (!('managedFields' in meta)) return obj;
  const { managedFields: _, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** Fields reset by the registry strategy: status on the main resource, everything else on /status. */
function ignoredFields(subresource: string, ...objs: Obj[]): FieldSet {
  if (subresource !== 'status') return FieldSet.of([field('status')]);
  const keep = new Set(['apiVersion', 'kind', 'metadata', 'status']);
  const keys = new Set(objs.flatMap((o) => Object.keys(o)).filter((k) => !keep.has(k)));
  return FieldSet.of(...[...keys].map((k) => [field(k)]));
}

/** The part of an applied configuration that apply may act on. */
function applicableConfig(config: KubeObject, subresource: string): Obj {
  const cfg: Obj = clone(config);
  const meta = metadataOf(cfg);
  for (const key of SERVER_METADATA) delete meta[key];
  if (isObject(cfg.metadata)) cfg.metadata = meta;
  if (subresource === 'status') {
    for (const key of Object.keys(cfg)) {
      if (!['apiVersion', 'kind', 'metadata', 'status'].includes(key)) delete cfg[key];
    }
  } else delete cfg.status;
  return cfg;
}

/** Updater.prune: drops what the manager applied last time but not now, unless someone else owns it. */
function prune(merged: Obj, managers: Managers, lastSet: FieldSet | undefined, s: Schema): Obj {
  if (!lastSet || lastSet.empty()) return merged;
  const ensure = (set: FieldSet) => ensureNamedFieldsAreMembers(set, s);
  const last = ensure(lastSet);
  const pruned1 = removeItems(merged, last, s);
  let managed = new FieldSet();
  for (const m of managers.values()) managed = managed.union(m.set);
  const mergedSet = ensure(toFieldSet(merged, s));
  const pruned2 = removeItems(
    merged,
    mergedSet.difference(ensure(toFieldSet(pruned1, s)).union(ensure(managed))),
    s,
  );
  const dangling = mergedSet.difference(ensure(toFieldSet(pruned2, s))).intersection(last);
  return (removeItems(merged, dangling, s) as Obj | undefined) ?? {};
}

function conflictOf(m: ManagerSet, path: string): Conflict {
  const c: Conflict = { manager: m.manager, field: path, operation: m.operation, apiVersion: m.apiVersion };
  if (m.subresource) c.subresource = m.subresource;
  if (m.time) c.time = m.time;
  return c;
}

function sameEntries(a: unknown, b: unknown): boolean {
  return deepEqual(encodeManagers(decodeManagers(a)), encodeManagers(decodeManagers(b)));
}

/** Validates the configuration (merge keys present, no duplicates) and lists what it sets. */
function configFieldSet(cfg: Obj, config: KubeObject, s: Schema): FieldSet {
  try {
    return toFieldSet(cfg, s, true);
  } catch (e) {
    if (!(e instanceof ApplyError)) throw e;
    const gv = config.apiVersion.includes('/') ? config.apiVersion : `/${config.apiVersion}`;
    throw new ApplyError(`failed to create typed patch object (${gv}, Kind=${config.kind}): ${e.message}`);
  }
}

export function applyConfiguration(input: ApplyInput): ApplyOutcome {
  const { live, config, force, now } = input;
  const manager = input.manager || 'unknown';
  const subresource = input.subresource ?? '';
  const s = schemaFor(config.apiVersion, config.kind);
  const cfg = applicableConfig(config, subresource);
  const configSet = configFieldSet(cfg, config, s);

  const liveObj = live ? withoutManagedFields(clone(live) as Obj) : {};
  const managers = live ? decodeManagers(live.metadata.managedFields) : new Map<string, ManagerSet>();
  const id = managerId({ manager, operation: 'Apply', apiVersion: '', subresource });
  const previous = managers.get(id);
  managers.set(id, {
    manager,
    operation: 'Apply',
    apiVersion: config.apiVersion,
    subresource,
    time: previous?.time,
    set: configSet,
  });

  const merged = merge(liveObj, cfg, s) as Obj;
  const newObj = prune(merged, managers, previous?.set, s);

  // Updater.update: fields this apply changes must not belong to anyone else.
  const cmp = excludeFields(compare(liveObj, newObj, s), ignoredFields(subresource, liveObj, newObj));
  const changedPaths = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const conflictSets = new Map<string, FieldSet>();
  for (const [otherId, m] of [...managers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (otherId === id) continue;
    const owned = m.set.intersection(changedPaths);
    if (owned.empty()) continue;
    conflictSets.set(otherId, owned);
    for (const p of owned.paths()) conflicts.push(conflictOf(m, pathString(p)));
  }
  if (conflicts.length > 0 && !force) return { ok: false, conflicts };
  for (const [otherId, m] of managers) {
    if (otherId === id) continue;
    const taken = conflictSets.get(otherId);
    m.set = m.set.difference(cmp.removed);
    if (taken) m.set = m.set.difference(taken);
    if (m.set.empty()) managers.delete(otherId);
  }

  const applier = managers.get(id);
  if (applier) {
    applier.set = applier.set.difference(STRIP);
    if (applier.set.empty()) managers.delete(id);
  }
  const objectChanged = !live || !deepEqual(liveObj, newObj);
  const entryChanged =
    !previous || !applier || !previous.set.equals(applier.set) || previous.apiVersion !== applier.apiVersion;
  if (applier && (objectChanged || entryChanged)) applier.time = now;

  const result = newObj as KubeObject;
  if (manager === 'kubectl' && live && typeof live.metadata.annotations?.[LAST_APPLIED] === 'string') {
    syncLastApplied(result, config);
  }
  const managedFields = encodeManagers(managers);
  if (
    live &&
    deepEqual(withoutManagedFields(result), liveObj) &&
    sameEntries(managedFields, live.metadata.managedFields)
  ) {
    return { ok: true, object: live, changed: false };
  }
  result.metadata = { ...metadataOf(result), managedFields };
  return { ok: true, object: result, changed: true };
}

/** lastAppliedUpdater: kubectl's server-side apply keeps client-side apply's annotation current. */
function syncLastApplied(obj: KubeObject, config: KubeObject): void {
  const applied = clone(config) as Obj;
  const meta = metadataOf(applied);
  if (isObject(meta.annotations)) delete meta.annotations[LAST_APPLIED];
  const annotations = isObject(obj.metadata.annotations) ? obj.metadata.annotations : {};
  obj.metadata = {
    ...obj.metadata,
    annotations: { ...annotations, [LAST_APPLIED]: JSON.stringify(sortKeys(applied)) },
  };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** fieldmanager decodeLiveOrNew: managedFields sent with the write win; [] or [{}] resets them. */
function managersForUpdate(before: KubeObject | undefined, after: KubeObject): Managers {
  const sent = after.metadata?.managedFields as unknown;
  if (Array.isArray(sent)) {
    if (sent.length === 0 || (sent.length === 1 && deepEqual(sent[0], {}))) return new Map();
    const decoded = decodeManagers(sent);
    if (decoded.size > 0) return decoded;
  }
  return decodeManagers(before?.metadata.managedFields);
}

export function recordUpdate(input: UpdateInput): KubeObject {
  const { before, after, now } = input;
  const manager = input.manager || 'unknown';
  const subresource = input.subresource ?? '';
  const s = schemaFor(after.apiVersion, after.kind);
  const managers = managersForUpdate(before, after);
  const beforeObj = before
    ? withoutManagedFields(clone(before) as Obj)
    : zeroObject(after.apiVersion, after.kind);
  const afterObj = withoutManagedFields(clone(after) as Obj);
  const ignored = ignoredFields(subresource, beforeObj, afterObj);
  const cmp = excludeFields(compare(beforeObj, afterObj, s), ignored);
  const changed = cmp.modified.union(cmp.added);

  // Updates never conflict: whatever they change is taken from every other owner.
  for (const [id, m] of managers) {
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(id);
  }
  const own = changed.difference(cmp.removed).recursiveDifference(ignored).difference(STRIP);
  if (!own.empty()) {
    const apiVersion = after.apiVersion;
    const id = managerId({ manager, operation: 'Update', apiVersion, subresource });
    const previous = managers.get(id);
    managers.set(id, {
      manager,
      operation: 'Update',
      apiVersion,
      subresource,
      time: now,
      set: previous ? previous.set.union(own) : own,
    });
  }
  capUpdateManagers(managers);

  const result = clone(after);
  result.metadata = { ...result.metadata, managedFields: encodeManagers(managers) };
  return result;
}
