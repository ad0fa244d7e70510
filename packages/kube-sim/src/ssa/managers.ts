// metadata.managedFields <-> per-manager field sets, keyed like the apiserver's
// BuildManagerIdentifier: appliers by (manager, subresource), updaters also by apiVersion.
import type { ManagedFieldsEntry } from '../types.ts';
import { FieldSet, fromFieldsV1, toFieldsV1 } from './fieldpath.ts';
import { isObject } from './value.ts';

export interface ManagerSet {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
}

export type Managers = Map<string, ManagerSet>;

/** The identifier JSON the apiserver uses (and prints in conflict messages). */
export function managerId(
  m: Pick<ManagerSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === 'Update' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Decodes managedFields; malformed entries are skipped, duplicates merged. */
export function decodeManagers(entries: unknown): Managers {
  const out: Managers = new Map();
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.manager !== 'string') continue;
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') continue;
    const m: ManagerSet = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: typeof entry.apiVersion === 'string' ? entry.apiVersion : '',
      subresource: typeof entry.subresource === 'string' ? entry.subresource : '',
      time: typeof entry.time === 'string' ? entry.time : undefined,
      set: fromFieldsV1(entry.fieldsV1),
    };
    const id = managerId(m);
    const existing = out.get(id);
    out.set(id, existing ? { ...m, set: existing.set.union(m.set) } : m);
  }
  return out;
}

function seconds(time: string | undefined): number {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Encodes in the apiserver's order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.empty());
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
  return list.map((m) => {
    const entry: ManagedFieldsEntry = {
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(m.set),
    } as ManagedFieldsEntry;
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/** capManagersManager: beyond 10 updaters, the oldest merge into "ancient-changes" per apiVersion. */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [id, m] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) break;
    const bucketId = managerId({
      manager: ANCIENT,
      operation: 'Update',
      apiVersion: m.apiVersion,
      subresource: '',
    });
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    let bucket = managers.get(bucketId);
    if (!bucket) {
      const firstSet = managers.get(first);
      managers.delete(first);
      bucket = {
        manager: ANCIENT,
        operation: 'Update',
        apiVersion: m.apiVersion,
        subresource: '',
        time: firstSet?.time,
        set: firstSet?.set ?? new FieldSet(),
      };
    }
    managers.set(bucketId, { ...bucket, set: m.set.union(bucket.set), time: m.time });
    managers.delete(id);
    length--;
  }
}
