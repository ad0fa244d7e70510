// Server-side apply, after structured-merge-diff's merge.Updater (merge, prune, conflicts) and
// the apiserver's fieldmanager chain around it (strip meta, timestamps, and kubectl's
// last-applied handling for client-side apply interop).
import type { KubeObject } from '../types.ts';
import type { ApplyInput, ApplyOutcome, Conflict } from './contract.ts';
import { ApplyError } from './errors.ts';
import { FieldSet, type Path, pathString } from './fieldpath.ts';
import {
  capUpdateManagers,
  decodeManagers,
  encodeManagers,
  type ManagerSet,
  type Managers,
  managerId,
} from './managers.ts';
import {
  ignoredFields,
  LAST_APPLIED,
  metadataOf,
  type Obj,
  SERVER_METADATA,
  STRIP,
  withManagedFields,
  withoutManagedFields,
} from './ownership.ts';
import { type Schema, schemaFor } from './schema.ts';
import {
  compare,
  ensureNamedFieldsAreMembers,
  excludeFields,
  merge,
  removeItems,
  toFieldSet,
} from './typed.ts';
import { clone, deepEqual, isObject } from './value.ts';

export { recordUpdate } from './update.ts';

/** The part of an applied configuration that apply may act on. */
function applicableConfig(config: KubeObject, subresource: string): Obj {
  const cfg: Obj = clone(config);
  if (isObject(cfg.metadata)) {
    const meta = cfg.metadata;
    for (const key of SERVER_METADATA) delete meta[key];
  }
  if (subresource === 'status') {
    for (const key of Object.keys(cfg)) {
      if (!['apiVersion', 'kind', 'metadata', 'status'].includes(key)) delete cfg[key];
    }
  } else delete cfg.status;
  return cfg;
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

/** Updater.prune: drops what the manager applied last time but not now, unless someone else owns it. */
function prune(merged: Obj, managers: Managers, lastSet: FieldSet | undefined, s: Schema): Obj {
  if (!lastSet || lastSet.empty()) return merged;
  const ensure = (set: FieldSet) => ensureNamedFieldsAreMembers(set, s);
  const last = ensure(lastSet);
  const pruned = removeItems(merged, last, s);
  let managed = new FieldSet();
  for (const m of managers.values()) managed = managed.union(m.set);
  const mergedSet = ensure(toFieldSet(merged, s));
  // Add back what someone (including this applier's new config) still owns...
  const ownedBack = removeItems(
    merged,
    mergedSet.difference(ensure(toFieldSet(pruned, s)).union(ensure(managed))),
    s,
  );
  // ...and anything removed that this applier did not own before.
  const dangling = mergedSet.difference(ensure(toFieldSet(ownedBack, s))).intersection(last);
  return (removeItems(merged, dangling, s) as Obj | undefined) ?? {};
}

function conflictOf(m: ManagerSet, path: Path): Conflict {
  const c: Conflict = {
    manager: m.manager,
    field: pathString(path),
    operation: m.operation,
    apiVersion: m.apiVersion,
  };
  if (m.subresource) c.subresource = m.subresource;
  if (m.time) c.time = m.time;
  return c;
}

type Attempt = ApplyOutcome | { ok: false; conflicts: Conflict[]; paths: Path[] };

function attempt(input: ApplyInput, force: boolean): Attempt {
  const { live, config, now } = input;
  const manager = input.manager || 'unknown';
  const subresource = input.subresource ?? '';
  const s = schemaFor(config.apiVersion, config.kind);
  const cfg = applicableConfig(config, subresource);
  const configSet = configFieldSet(cfg, config, s);

  const liveObj = live ? withoutManagedFields(clone(live) as Obj) : {};
  const managers = decodeManagers(live?.metadata.managedFields);
  const id = managerId({ manager, operation: 'Apply', apiVersion: '', subresource });
  const previous = managers.get(id);
  const apiVersion = config.apiVersion;
  managers.set(id, {
    manager,
    operation: 'Apply',
    apiVersion,
    subresource,
    time: previous?.time,
    set: configSet,
  });

  const newObj = prune(merge(liveObj, cfg, s) as Obj, managers, previous?.set, s);

  // Updater.update: what this apply changes must not belong to anyone else, unless forced.
  const cmp = excludeFields(compare(liveObj, newObj, s), ignoredFields(subresource, liveObj, newObj));
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const conflictPaths: Path[] = [];
  const others = [...managers.entries()].filter(([otherId]) => otherId !== id);
  others.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, m] of others) {
    const owned = m.set.intersection(changed);
    for (const p of owned.paths()) {
      conflicts.push(conflictOf(m, p));
      conflictPaths.push(p);
    }
  }
  if (conflicts.length > 0 && !force) return { ok: false, conflicts, paths: conflictPaths };
  for (const [otherId, m] of others) {
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(otherId);
  }

  const applier = managers.get(id);
  if (applier) {
    applier.set = applier.set.difference(STRIP);
    if (applier.set.empty()) managers.delete(id);
  }
  const objectChanged = !live || !deepEqual(liveObj, newObj);
  const entryChanged =
    !previous || !applier || !previous.set.equals(applier.set) || previous.apiVersion !== apiVersion;
  if (applier && (objectChanged || entryChanged)) applier.time = now;

  if (manager === 'kubectl' && live && typeof live.metadata.annotations?.[LAST_APPLIED] === 'string') {
    syncLastApplied(newObj, config);
  }
  capUpdateManagers(managers);
  const managedFields = encodeManagers(managers);
  if (live && deepEqual(newObj, liveObj) && sameEntries(managedFields, live.metadata.managedFields)) {
    return { ok: true, object: live, changed: false };
  }
  return { ok: true, object: withManagedFields(newObj, managedFields), changed: true };
}

function sameEntries(a: unknown, b: unknown): boolean {
  return deepEqual(encodeManagers(decodeManagers(a)), encodeManagers(decodeManagers(b)));
}

export function applyConfiguration(input: ApplyInput): ApplyOutcome {
  const outcome = attempt(input, input.force);
  if (outcome.ok || !('paths' in outcome)) return outcome;
  // lastAppliedManager: kubectl taking over from client-side apply does not conflict on
  // fields its last-applied annotation still matches.
  const allowed =
    input.manager === 'kubectl' && input.live ? allowedByLastApplied(input.live, input.config) : undefined;
  if (!allowed) return { ok: false, conflicts: outcome.conflicts };
  const remaining = outcome.conflicts.filter((_, i) => {
    const p = outcome.paths[i];
    return !p || !allowed.has(p);
  });
  return remaining.length === 0 ? attempt(input, true) : { ok: false, conflicts: remaining };
}

function allowedByLastApplied(live: KubeObject, config: KubeObject): FieldSet | undefined {
  const annotation = live.metadata.annotations?.[LAST_APPLIED];
  if (typeof annotation !== 'string' || annotation === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!isObject(lastApplied) || lastApplied.apiVersion !== config.apiVersion) return undefined;
  const s = schemaFor(config.apiVersion, config.kind);
  const cmp = compare(lastApplied, withoutManagedFields(live), s);
  return toFieldSet(lastApplied, s).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** lastAppliedUpdater: kubectl's server-side apply keeps client-side apply's annotation current. */
function syncLastApplied(obj: Obj, config: KubeObject): void {
  const applied = clone(config) as Obj;
  const appliedMeta = metadataOf(applied);
  if (isObject(appliedMeta.annotations)) delete appliedMeta.annotations[LAST_APPLIED];
  const meta = metadataOf(obj);
  const annotations = isObject(meta.annotations) ? meta.annotations : {};
  obj.metadata = {
    ...meta,
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
