// Field ownership for writes that are not apply (create, update, every non-apply patch):
// whatever the write changes moves to its manager; updates never conflict.
import type { KubeObject } from '../types.ts';
import type { UpdateInput } from './contract.ts';
import { capUpdateManagers, decodeManagers, encodeManagers, type Managers, managerId } from './managers.ts';
import { ignoredFields, type Obj, STRIP, withManagedFields, withoutManagedFields } from './ownership.ts';
import { schemaFor, zeroObject } from './schema.ts';
import { compare, excludeFields } from './typed.ts';
import { clone, deepEqual, isObject } from './value.ts';

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

/** Adds what the zero value has and the object lacks (the object is a private copy). */
function withZero(obj: Obj, zero: Obj): Obj {
  for (const [key, value] of Object.entries(zero)) {
    const mine = obj[key];
    if (mine === undefined) obj[key] = clone(value);
    else if (isObject(mine) && isObject(value)) withZero(mine, value);
  }
  return obj;
}

export function recordUpdate(input: UpdateInput): KubeObject {
  const { before, after, now } = input;
  const manager = input.manager || 'unknown';
  const subresource = input.subresource ?? '';
  const s = schemaFor(after.apiVersion, after.kind);
  const managers = managersForUpdate(before, after);
  // The apiserver compares typed objects, where non-pointer structs (spec, status, ...) always
  // exist; a create is compared with the kind's zero value.
  const zero = zeroObject(after.apiVersion, after.kind);
  const beforeObj = withZero(before ? withoutManagedFields(clone(before) as Obj) : {}, zero);
  const afterObj = withZero(withoutManagedFields(clone(after) as Obj), zero);
  const ignored = ignoredFields(subresource, beforeObj, afterObj);
  const cmp = excludeFields(compare(beforeObj, afterObj, s), ignored);
  const changed = cmp.modified.union(cmp.added);

  for (const [id, m] of managers) {
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(id);
  }
  const own = changed.difference(cmp.removed).difference(STRIP);
  if (!own.empty()) {
    const apiVersion = after.apiVersion;
    const id = managerId({ manager, operation: 'Update', apiVersion, subresource });
    const previous = managers.get(id);
    const set = previous ? previous.set.union(own) : own;
    managers.set(id, { manager, operation: 'Update', apiVersion, subresource, time: now, set });
  }
  capUpdateManagers(managers);
  return withManagedFields(clone(after) as Obj, encodeManagers(managers));
}
