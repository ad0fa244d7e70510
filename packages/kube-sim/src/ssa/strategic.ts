// Strategic merge patch, ported from k8s.io/apimachinery/pkg/util/strategicpatch (the apply
// half, with MergeParallelList and IgnoreUnmatchedNulls as the apiserver uses it). Patch
// strategies and merge keys come from the schema table; unknown lists are replaced and unknown
// maps merged, which is JSON merge patch behaviour.
import { PatchError } from './errors.ts';
import { elemSchema, fieldSchema, type Schema, type SmpList, schemaFor, UNTYPED } from './schema.ts';
import { clone, isObject } from './value.ts';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

const noMergeKey = (m: unknown, key: string) =>
  new PatchError(`map: ${JSON.stringify(m)} does not contain declared merge key: ${key}`);

/** Applies a strategic merge patch to an object; the schema comes from its apiVersion and kind. */
export function strategicMergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch))
    throw new PatchError('invalid JSON document: a strategic merge patch must be an object');
  const original: Obj = isObject(target) ? target : {};
  const s =
    typeof original.apiVersion === 'string' && typeof original.kind === 'string'
      ? schemaFor(original.apiVersion, original.kind)
      : UNTYPED;
  return strategicMergePatchWithSchema(target, patch, s);
}

/** Strategic merge patch with an explicit schema (built-in kinds use schemaFor). */
export function strategicMergePatchWithSchema<T>(target: T, patch: unknown, s: Schema): T {
  if (!isObject(patch))
    throw new PatchError('invalid JSON document: a strategic merge patch must be an object');
  const original: Obj = isObject(target) ? clone(target) : {};
  return stripDirectives(mergeMap(original, clone(patch), s)) as T;
}

function smpOf(s: Schema): SmpList {
  return s.kind === 'list' ? s.smp : { strategy: 'replace' };
}

function mergeKeyOf(s: Schema): string {
  const smp = smpOf(s);
  return smp.strategy === 'merge' ? (smp.key ?? '') : '';
}

function mergeMap(original: Obj, patch: Obj, s: Schema): Obj {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (directive === 'delete') return {};
    throw new PatchError(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  applyRetainKeys(original, patch);
  mergeSetElementOrder(original, patch, s);

  for (const [patchKey, patchV] of Object.entries(patch)) {
    let key = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = patchKey.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[key];
      continue;
    }
    if (!Object.hasOwn(original, key)) {
      original[key] = patchV;
      continue;
    }
    const current = original[key];
    const child = fieldSchema(s, key);
    if (isObject(current) && isObject(patchV)) original[key] = mergeMap(current, patchV, child);
    else if (Array.isArray(current) && Array.isArray(patchV)) {
      original[key] = mergeSliceHandler(current, patchV, child, isDeleteList).list;
    } else original[key] = patchV;
  }
  return original;
}

/**
 * A merged list, plus what the original list's backing array holds afterwards. The apiserver
 * edits lists in place (Go slices; its originals have cap == len), and the
 * $setElementOrder step later orders by that mutated array, which shapes real results.
 */
interface SliceMerge {
  list: unknown[];
  aliased: unknown[];
}

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  s: Schema,
  isDeleteList: boolean,
): SliceMerge {
  if (smpOf(s).strategy !== 'merge') return { list: patch, aliased: original };
  return mergeSlice(original, patch, mergeKeyOf(s), elemSchema(s), isDeleteList);
}

type Kind = 'map' | 'scalar';

function sliceElementKind(...lists: unknown[][]): Kind {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) throw new PatchError('lists of lists are not supported');
      if (v === null) continue;
      const k = isObject(v) ? 'map' : typeof v;
      if (kind !== undefined && kind !== k) {
        throw new PatchError(`list element types are not identical: ${JSON.stringify(lists)}`);
      }
      kind = k;
    }
  }
  if (kind === undefined) throw new PatchError('no elements in any of the given slices');
  return kind === 'map' ? 'map' : 'scalar';
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  elem: Schema,
  isDeleteList: boolean,
): SliceMerge {
  if (original.length === 0 && patch.length === 0) return { list: original, aliased: original };
  const kind = sliceElementKind(original, patch);
  if (kind !== 'map') {
    if (isDeleteList) return { list: original.filter((v) => !patch.includes(v)), aliased: original };
    // append(original, patch...) reuses the original array only when the patch is empty.
    const both = [...original, ...patch];
    const merged = deduplicateScalars(both);
    const aliased = patch.length === 0 ? both.slice(0, original.length) : original;
    const [patchItems, serverOnly] = partitionPrimitives(merged, patch);
    return { list: normalizeElementOrder(patchItems, serverOnly, patch, original, '', kind), aliased };
  }
  if (!mergeKey) throw new PatchError('cannot merge lists without merge key');
  const backing = [...original];
  const { length, plain, replace } = applySpecialElements(backing, patch, mergeKey);
  let orig: unknown[];
  let pat: unknown[];
  let merged: unknown[];
  if (replace) {
    orig = plain;
    pat = [];
    merged = plain;
  } else {
    orig = backing.slice(0, length);
    pat = plain;
    merged = mergeIntoBacking(backing, length, plain, mergeKey, elem);
  }
  const [patchItems, serverOnly] = partitionMaps(merged, pat, mergeKey);
  return {
    list: normalizeElementOrder(patchItems, serverOnly, pat, orig, mergeKey, kind),
    aliased: backing.slice(0, original.length),
  };
}

/**
 * Handles `$patch: delete` (removing every match, shifting the array in place like Go's
 * append(s[:k], s[k+1:]...)) and `$patch: replace` list elements.
 */
function applySpecialElements(
  backing: unknown[],
  patch: unknown[],
  mergeKey: string,
): { length: number; plain: unknown[]; replace: boolean } {
  const plain: unknown[] = [];
  let replace = false;
  let length = backing.length;
  for (const v of patch) {
    if (!isObject(v) || !(DIRECTIVE in v)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      for (;;) {
        const k = findByKey(backing.slice(0, length), mergeKey, v[mergeKey]);
        if (k < 0) break;
        backing.copyWithin(k, k + 1, length);
        length--;
      }
    } else if (directive === 'replace') replace = true;
    else if (directive === 'merge')
      throw new PatchError('merging lists cannot yet be specified in the patch');
    else throw new PatchError(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(v)}`);
  }
  return { length, plain, replace };
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw new PatchError(`value for key ${i} is not a map.`);
    if (key in item && item[key] === value) return i;
  }
  return -1;
}

/** Merges patch items by key; new items append, in place while the original array has room. */
function mergeIntoBacking(
  backing: unknown[],
  length: number,
  patch: unknown[],
  mergeKey: string,
  elem: Schema,
): unknown[] {
  let arr = backing;
  let len = length;
  const cap = backing.length;
  for (const v of patch) {
    if (!isObject(v) || !(mergeKey in v)) throw noMergeKey(v, mergeKey);
    const i = findByKey(arr.slice(0, len), mergeKey, v[mergeKey]);
    const found = arr[i];
    if (i >= 0 && isObject(found)) arr[i] = mergeMap(found, v, elem);
    else if (arr === backing && len < cap) arr[len++] = v;
    else {
      arr = [...arr.slice(0, len), v];
      len++;
    }
  }
  return arr.slice(0, len);
}

/** The apiserver's in-place deduplication, which reorders like it does. */
function deduplicateScalars(input: unknown[]): unknown[] {
  const s = [...input];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(by);
  return [list.filter((v) => inPatch.has(v)), list.filter((v) => !inPatch.has(v))];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v) || !(mergeKey in v)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: Kind): number {
  const get = (item: unknown) => (kind === 'map' ? (isObject(item) ? item[mergeKey] : undefined) : item);
  const target = get(v);
  return list.findIndex((item) => get(item) === target);
}

/** Go's sort.SliceStable for small inputs (insertion sort), kept for its odd comparator. */
function stableSort(items: unknown[], less: (a: unknown, b: unknown) => boolean): unknown[] {
  const a = [...items];
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0 && less(a[j], a[j - 1]); j--) {
      const t = a[j];
      a[j] = a[j - 1];
      a[j - 1] = t;
    }
  }
  return a;
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let items = toSort;
  const toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...toSort, ...order]) {
      if (!isObject(v) || !(mergeKey in v)) throw noMergeKey(v, mergeKey);
    }
    items = toSort.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete'));
    toDelete.push(...toSort.filter((v) => isObject(v) && v[DIRECTIVE] === 'delete'));
  }
  const sorted = stableSort(items, (x, y) => {
    const ix = indexIn(order, x, mergeKey, kind);
    const iy = indexIn(order, y, mergeKey, kind);
    return ix >= 0 && iy >= 0 ? ix < iy : true;
  });
  return [...sorted, ...toDelete];
}

function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  // mergeSortedSlice: server-only items slot in before patch items they preceded on the server.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function applyRetainKeys(original: Obj, patch: Obj): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw new PatchError('invalid patch format of retainKeys');
  const keep = new Set(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw new PatchError('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** `$setElementOrder/<list>`: merges that list and orders it as the directive says. */
function mergeSetElementOrder(original: Obj, patch: Obj, s: Schema): void {
  for (const [directiveKey, order] of Object.entries(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw new PatchError('invalid patch format of setElementOrder list');
    const key = directiveKey.slice(SET_ELEMENT_ORDER.length);
    const foundOriginal = Object.hasOwn(original, key);
    const foundPatch = Object.hasOwn(patch, key);
    const originalList = foundOriginal ? original[key] : [];
    const patchList = foundPatch ? patch[key] : [];
    if (!Array.isArray(originalList) || !Array.isArray(patchList)) {
      throw new PatchError('invalid patch format of setElementOrder list');
    }
    const child = fieldSchema(s, key);
    const mergeKey = mergeKeyOf(child);
    validateOrder(patchList, order, mergeKey);
    let merged: unknown[];
    let serverOrder = originalList;
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = patchList;
    else if (foundOriginal && foundPatch) {
      ({ list: merged, aliased: serverOrder } = mergeSliceHandler(originalList, patchList, child, false));
    } else return;
    const [patchItems, serverOnly] = mergeKey
      ? partitionMaps(merged, order, mergeKey)
      : partitionPrimitives(merged, order);
    const kind = sliceElementKind(originalList, patchList);
    original[key] = normalizeElementOrder(patchItems, serverOnly, order, serverOrder, mergeKey, kind);
    delete patch[key];
  }
}

function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const isDelete = (v: unknown) => isObject(v) && v[DIRECTIVE] === 'delete';
  const nonDelete = mergeKey ? patchList.filter((v) => !isDelete(v)) : patchList;
  const keyOf = (v: unknown): unknown => {
    if (!mergeKey) return v;
    if (!isObject(v) || !(mergeKey in v)) throw noMergeKey(v, mergeKey);
    return v[mergeKey];
  };
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    const item = nonDelete[p];
    if (isObject(item) && DIRECTIVE in item) {
      p++;
      continue;
    }
    if (keyOf(item) === keyOf(order[o])) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    throw new PatchError(
      `The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match $setElementOrder list:\n${JSON.stringify(order)}\n`,
    );
  }
}

/** Directive keys that reached the result verbatim would be dropped by the apiserver's typed decode. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, child] of Object.entries(v)) {
    if (
      k === DIRECTIVE ||
      k === RETAIN_KEYS ||
      k.startsWith(SET_ELEMENT_ORDER) ||
      k.startsWith(DELETE_FROM_PRIMITIVE_LIST)
    ) {
      continue;
    }
    out[k] = stripDirectives(child);
  }
  return out;
}
