// The non-apply patch types: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and, from
// strategic.ts, Kubernetes strategic merge patch. All are pure: inputs are never mutated.
// Results are typed like the target; callers validate the patched object as the apiserver would.
import { PatchError } from './errors.ts';
import { clone, deepEqual, isObject } from './value.ts';

export { PatchError } from './errors.ts';
export { strategicMergePatch } from './strategic.ts';

/** RFC 7386 MergePatch(Target, Patch). */
export function mergePatch<T>(target: T, patch: unknown): T {
  return applyMerge(clone(target), patch) as T;
}

/** Mutates target, which is always a private copy. */
function applyMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete out[name];
    else out[name] = applyMerge(out[name], value);
  }
  return out;
}

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** Parses a JSON pointer (RFC 6901) into unescaped reference tokens. */
function parsePointer(pointer: unknown, what: string): string[] {
  if (typeof pointer !== 'string') throw new PatchError(`${what} must be a JSON pointer string`);
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token))
        throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: bad escape`);
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

function arrayIndex(token: string, length: number, pointer: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new PatchError(`invalid array index ${JSON.stringify(token)} in ${JSON.stringify(pointer)}`);
  }
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) {
    throw new PatchError(`array index ${index} out of bounds in ${JSON.stringify(pointer)}`);
  }
  return index;
}

/** The container holding the last token, which must exist. */
function parentOf(doc: unknown, tokens: string[], pointer: string, op: string): unknown {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, pointer, false)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else
      throw new PatchError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}`);
  }
  if (!Array.isArray(node) && !isObject(node)) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}`);
  }
  return node;
}

function getValue(doc: unknown, pointer: string, op: string): unknown {
  const tokens = parsePointer(pointer, 'path');
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, pointer, false)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else
      throw new PatchError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}`);
  }
  return node;
}

/** Adds (or, with replace, overwrites) at pointer; returns the new document. */
function addValue(doc: unknown, pointer: string, value: unknown, mode: 'add' | 'replace'): unknown {
  const tokens = parsePointer(pointer, 'path');
  const last = tokens.at(-1);
  if (last === undefined) return value;
  const parent = parentOf(doc, tokens, pointer, mode);
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length, pointer, mode === 'add');
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isObject(parent)) {
    if (mode === 'replace' && !Object.hasOwn(parent, last)) {
      throw new PatchError(
        `replace operation does not apply: doc is missing key: ${JSON.stringify(pointer)}`,
      );
    }
    parent[last] = value;
  }
  return doc;
}

function removeValue(doc: unknown, pointer: string, op: string): unknown {
  const tokens = parsePointer(pointer, 'path');
  const last = tokens.at(-1);
  if (last === undefined)
    throw new PatchError(`${op} operation does not apply: cannot remove the whole document`);
  const parent = parentOf(doc, tokens, pointer, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, pointer, false), 1);
  else if (isObject(parent)) {
    if (!Object.hasOwn(parent, last)) {
      throw new PatchError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}`);
    }
    delete parent[last];
  }
  return doc;
}

function requireValue(op: Record<string, unknown>, name: string): unknown {
  if (!Object.hasOwn(op, 'value')) throw new PatchError(`${name} operation is missing "value"`);
  return op.value;
}

/** RFC 6902: applies the operations in order; any failure rejects the whole patch. */
export function jsonPatch<T>(target: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let doc: unknown = clone(target);
  ops.forEach((raw, i) => {
    if (!isObject(raw)) throw new PatchError(`operation ${i} is not an object`);
    const op = raw.op;
    const path = raw.path;
    if (typeof path !== 'string') throw new PatchError(`operation ${i} (${String(op)}) is missing "path"`);
    switch (op) {
      case 'add':
        doc = addValue(doc, path, clone(requireValue(raw, 'add')), 'add');
        break;
      case 'replace':
        getValue(doc, path, 'replace');
        doc = addValue(doc, path, clone(requireValue(raw, 'replace')), 'replace');
        break;
      case 'remove':
        doc = removeValue(doc, path, 'remove');
        break;
      case 'move': {
        const from = raw.from;
        if (typeof from !== 'string') throw new PatchError(`operation ${i} (move) is missing "from"`);
        if (path.startsWith(`${from}/`)) {
          throw new PatchError(
            `move operation does not apply: ${JSON.stringify(from)} is a prefix of ${JSON.stringify(path)}`,
          );
        }
        const value = getValue(doc, from, 'move');
        if (from === path) break;
        doc = addValue(removeValue(doc, from, 'move'), path, value, 'add');
        break;
      }
      case 'copy': {
        const from = raw.from;
        if (typeof from !== 'string') throw new PatchError(`operation ${i} (copy) is missing "from"`);
        doc = addValue(doc, path, clone(getValue(doc, from, 'copy')), 'add');
        break;
      }
      case 'test': {
        const expected = requireValue(raw, 'test');
        if (!deepEqual(getValue(doc, path, 'test'), expected)) {
          throw new PatchError(`testing value ${path} failed: test failed`);
        }
        break;
      }
      default:
        throw new PatchError(`unexpected kind of operation ${i}: ${JSON.stringify(op)}`);
    }
  });
  return doc as T;
}
