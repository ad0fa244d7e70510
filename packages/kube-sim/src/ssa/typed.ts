// Schema-aware walks over JSON objects, after structured-merge-diff's typed package:
// toFieldSet (what a configuration mentions), merge (apply's merge), compare (what an update
// changed), removeItems (pruning) and ensureNamedFieldsAreMembers.
import { ApplyError } from './errors.ts';
import { FieldSet, field, type Path, type PathElement, pathString, peKey } from './fieldpath.ts';
import { elemSchema, fieldSchema, type Schema } from './schema.ts';
import { clone, deepEqual, isEmptyValue, isObject } from './value.ts';

type Shape = 'struct' | 'map' | 'list' | 'leaf';

function shapeOf(s: Schema, v: unknown): Shape {
  switch (s.kind) {
    case 'atomic':
      return 'leaf';
    case 'struct':
      return isObject(v) || v === null || v === undefined ? 'struct' : 'leaf';
    case 'map':
      return isObject(v) || v === null || v === undefined ? 'map' : 'leaf';
    case 'list':
      return Array.isArray(v) || v === null || v === undefined ? 'list' : 'leaf';
    case 'untyped':
      return isObject(v) ? 'struct' : 'leaf';
  }
}

/** The shape both sides agree on; a mismatch (type change) is a leaf. */
function sharedShape(s: Schema, l: unknown, r: unknown): Shape {
  const a = l === undefined ? undefined : shapeOf(s, l);
  const b = r === undefined ? undefined : shapeOf(s, r);
  if (a && b && a !== b) return 'leaf';
  return a ?? b ?? 'leaf';
}

/** The path element of a list item, or an error message. */
export function itemPE(s: Schema, item: unknown, index: number): PathElement | string {
  if (s.kind !== 'list') return { type: 'index', index };
  if (s.type === 'set') {
    if (isObject(item) || Array.isArray(item)) return 'set list may only contain scalar elements';
    return { type: 'value', value: item };
  }
  if (!isObject(item)) return 'associative list with keys may not have non-map elements';
  const fields: Array<[string, unknown]> = [];
  for (const key of s.keys) {
    const value = item[key] !== undefined ? item[key] : s.keyDefaults[key];
    if (value === undefined) {
      return `associative list with keys has an element that omits key field "${key}" (and doesn't have default value)`;
    }
    fields.push([key, value]);
  }
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { type: 'key', fields };
}

interface IndexedList {
  order: string[];
  items: Map<string, { pe: PathElement; value: unknown }>;
}

/** Indexes list items by path element. `strict` (applied configs) rejects bad or duplicate items. */
function indexList(s: Schema, list: readonly unknown[], path: Path, strict: boolean): IndexedList {
  const out: IndexedList = { order: [], items: new Map() };
  list.forEach((value, i) => {
    let pe = itemPE(s, value, i);
    if (typeof pe === 'string') {
      if (strict) throw new ApplyError(`${pathString(path)}: element ${i}: ${pe}`);
      pe = { type: 'index', index: i };
    }
    const key = peKey(pe);
    if (out.items.has(key)) {
      if (strict) throw new ApplyError(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
      return;
    }
    out.items.set(key, { pe, value });
    out.order.push(key);
  });
  return out;
}

// --- toFieldSet ------------------------------------------------------------------------------

/** Every leaf, list item, map key, atomic and empty/null struct the value mentions. */
export function toFieldSet(value: unknown, s: Schema, strict = false): FieldSet {
  const set = new FieldSet();
  walkSet(value, s, [], set, strict);
  return set;
}

function walkSet(v: unknown, s: Schema, path: Path, set: FieldSet, strict: boolean): void {
  const shape = shapeOf(s, v);
  if (shape === 'leaf') {
    set.insert(path);
    return;
  }
  if (shape === 'list') {
    if (!Array.isArray(v)) return;
    const indexed = indexList(s, v, path, strict);
    for (const key of indexed.order) {
      const item = indexed.items.get(key);
      if (!item) continue;
      const p = [...path, item.pe];
      walkSet(item.value, elemSchema(s), p, set, strict);
      set.insert(p);
    }
    return;
  }
  // A null or empty struct/map is owned as such (structured-merge-diff "fix remove structures").
  if (!isObject(v) || Object.keys(v).length === 0) {
    set.insert(path);
    return;
  }
  for (const [key, child] of Object.entries(v)) {
    if (child === undefined) continue;
    const p = [...path, field(key)];
    walkSet(child, fieldSchema(s, key), p, set, strict);
    if (shape === 'map') set.insert(p);
  }
}

// --- merge -------------------------------------------------------------------------------------

/** Apply's merge of a configuration (rhs) into the live object (lhs). */
export function merge(l: unknown, r: unknown, s: Schema, path: Path = []): unknown {
  if (r === undefined) return l;
  if (l === undefined) return clone(r);
  const shape = sharedShape(s, l, r);
  if (shape === 'leaf') return clone(r);
  // Both empty or null: a leaf, keeps the null/empty distinction of the config.
  if (isEmptyValue(l) && isEmptyValue(r)) return clone(r);
  if (shape === 'list') {
    if (!Array.isArray(r)) return l;
    return mergeList(Array.isArray(l) ? l : [], r, s, path);
  }
  if (!isObject(r)) return l;
  const lo = isObject(l) ? l : {};
  const out: Record<string, unknown> = {};
  const keys = [...Object.keys(lo), ...Object.keys(r).filter((k) => !Object.hasOwn(lo, k))];
  for (const key of keys) {
    const merged = merge(lo[key], r[key], fieldSchema(s, key), [...path, field(key)]);
    if (merged !== undefined) out[key] = merged;
  }
  return out;
}

// Ordering follows structured-merge-diff: items keep the config's relative order, live-only
// items stay where they were relative to the shared ones.
function mergeList(l: readonly unknown[], r: readonly unknown[], s: Schema, path: Path): unknown[] {
  const rhs = indexList(s, r, path, true);
  const lhs = indexList(s, l, path, false);
  const shared = rhs.order.filter((k) => lhs.items.has(k));
  let sharedIdx = 0;
  let nextShared = shared[sharedIdx++];
  const merged = new Set<string>();
  const out: unknown[] = [];
  const mergeItem = (key: string): void => {
    const li = lhs.items.get(key);
    const ri = rhs.items.get(key);
    const pe = (ri ?? li)?.pe;
    if (!pe) return;
    const value = merge(li?.value, ri?.value, elemSchema(s), [...path, pe]);
    if (value !== undefined) out.push(value);
  };
  let li = 0;
  let ri = 0;
  while (li < lhs.order.length || ri < rhs.order.length) {
    const lk = lhs.order[li];
    const rk = rhs.order[ri];
    if (lk !== undefined && rk !== undefined) {
      if (lk === rk) {
        merged.add(lk);
        mergeItem(lk);
        li++;
        ri++;
        nextShared = shared[sharedIdx++];
        continue;
      }
      if (rhs.items.has(lk) && nextShared !== undefined && nextShared !== lk) {
        li++;
        continue;
      }
    }
    if (lk !== undefined) {
      if (!rhs.items.has(lk)) {
        mergeItem(lk);
        li++;
        continue;
      }
      if (merged.has(lk)) {
        li++;
        continue;
      }
    }
    if (rk !== undefined) {
      merged.add(rk);
      mergeItem(rk);
      ri++;
      if (nextShared === rk) nextShared = shared[sharedIdx++];
      continue;
    }
    // Only live items already merged remain.
    li++;
  }
  return out;
}

// --- compare -----------------------------------------------------------------------------------

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from lhs to rhs, as typed.Compare reports it. */
export function compare(l: unknown, r: unknown, s: Schema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(l, r, s, [], c);
  return c;
}

export function excludeFields(c: Comparison, ignored: FieldSet): Comparison {
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

function walkCompare(l: unknown, r: unknown, s: Schema, path: Path, c: Comparison): void {
  if (l === undefined && r === undefined) return;
  const shape = sharedShape(s, l, r);
  if (shape === 'leaf' || (isEmptyValue(l) && isEmptyValue(r))) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (shape === 'list') {
    const lhs = indexList(s, Array.isArray(l) ? l : [], path, false);
    const rhs = indexList(s, Array.isArray(r) ? r : [], path, false);
    for (const key of rhs.order) {
      const ri = rhs.items.get(key);
      if (ri) walkCompare(lhs.items.get(key)?.value, ri.value, elemSchema(s), [...path, ri.pe], c);
    }
    for (const key of lhs.order) {
      const li = lhs.items.get(key);
      if (li && !rhs.items.has(key)) walkCompare(li.value, undefined, elemSchema(s), [...path, li.pe], c);
    }
  } else {
    const lo = isObject(l) ? l : {};
    const ro = isObject(r) ? r : {};
    const keys = new Set([...Object.keys(lo), ...Object.keys(ro)]);
    for (const key of keys) walkCompare(lo[key], ro[key], fieldSchema(s, key), [...path, field(key)], c);
  }
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

// --- removeItems -------------------------------------------------------------------------------

/** The value without the set's members (a member removes its whole subtree). Emptied containers vanish. */
export function removeItems(v: unknown, toRemove: FieldSet, s: Schema): unknown {
  const shape = shapeOf(s, v);
  if (shape === 'leaf') return v;
  if (shape === 'list') {
    if (!Array.isArray(v) || v.length === 0) return v;
    const out: unknown[] = [];
    v.forEach((item, i) => {
      const found = itemPE(s, item, i);
      const pe: PathElement = typeof found === 'string' ? { type: 'index', index: i } : found;
      if (toRemove.members.has(peKey(pe))) return;
      const sub = toRemove.withPrefix(pe);
      const kept = sub.empty() ? item : removeItems(item, sub, elemSchema(s));
      if (kept !== undefined) out.push(kept);
    });
    return out.length > 0 ? out : undefined;
  }
  if (!isObject(v) || Object.keys(v).length === 0) return v;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(v)) {
    const pe = field(key);
    if (toRemove.members.has(peKey(pe))) continue;
    const sub = toRemove.withPrefix(pe);
    const kept = sub.empty() ? child : removeItems(child, sub, fieldSchema(s, key));
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Adds named struct fields that have owned children as members (maps' keys are not named). */
export function ensureNamedFieldsAreMembers(set: FieldSet, s: Schema): FieldSet {
  const out = new FieldSet();
  for (const [k, pe] of set.members) out.members.set(k, pe);
  const named = s.kind === 'struct' || s.kind === 'untyped';
  for (const [k, node] of set.children) {
    if (node.pe.type === 'field' && named) out.members.set(k, node.pe);
    const child = node.pe.type === 'field' ? fieldSchema(s, node.pe.name) : elemSchema(s);
    out.children.set(k, { pe: node.pe, set: ensureNamedFieldsAreMembers(node.set, child) });
  }
  return out;
}
