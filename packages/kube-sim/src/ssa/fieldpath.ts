// Field paths and field sets as structured-merge-diff models them (fieldpath.Set), with the
// apiserver's FieldsV1 encoding: "f:<field>", "k:<json keys>", "v:<json value>", "i:<index>",
// and "." marking a node that is itself a member of the set as well as having children.
import type { FieldsV1 } from '../types.ts';
import { compareValues, goJson, isObject } from './value.ts';

export type PathElement =
  | { readonly type: 'field'; readonly name: string }
  /** Associative-list key fields, sorted by name. */
  | { readonly type: 'key'; readonly fields: ReadonlyArray<readonly [string, unknown]> }
  | { readonly type: 'value'; readonly value: unknown }
  | { readonly type: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export const field = (name: string): PathElement => ({ type: 'field', name });

/** The FieldsV1 key of a path element; also its identity in sets. */
export function peKey(pe: PathElement): string {
  switch (pe.type) {
    case 'field':
      return `f:${pe.name}`;
    case 'key': {
      const parts = pe.fields.map(([name, value]) => `${goJson(name)}:${goJson(value)}`);
      return `k:{${parts.join(',')}}`;
    }
    case 'value':
      return `v:${goJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

const typeRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** PathElement.Compare: fields, then keys, then values, then indices. */
export function comparePE(a: PathElement, b: PathElement): number {
  if (a.type !== b.type) return typeRank[a.type] - typeRank[b.type];
  if (a.type === 'field' && b.type === 'field') return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  if (a.type === 'key' && b.type === 'key') {
    for (let i = 0; ; i++) {
      const x = a.fields[i];
      const y = b.fields[i];
      if (!x && !y) return 0;
      if (!x) return -1;
      if (!y) return 1;
      if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
      const c = compareValues(x[1], y[1]);
      if (c !== 0) return c;
    }
  }
  if (a.type === 'value' && b.type === 'value') return compareValues(a.value, b.value);
  if (a.type === 'index' && b.type === 'index') return a.index - b.index;
  return 0;
}

function goQuote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(goQuote).join(',')}]`;
  if (isObject(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}=${goQuote(v)}`)
      .join('');
  return String(value);
}

/** Path.String() as the apiserver prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path.map(peString).join('');
}

function peString(pe: PathElement): string {
  switch (pe.type) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([k, v]) => `${k}=${goQuote(v)}`).join(',')}]`;
    case 'value':
      return `[=${goQuote(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** Parses one FieldsV1 key; undefined for "." or unknown prefixes (which the apiserver drops). */
export function parsePathElement(key: string): PathElement | undefined {
  const prefix = key.slice(0, 2);
  const rest = key.slice(2);
  try {
    switch (prefix) {
      case 'f:':
        return { type: 'field', name: rest };
      case 'v:':
        return { type: 'value', value: JSON.parse(rest) };
      case 'i:': {
        const index = Number(rest);
        return Number.isInteger(index) ? { type: 'index', index } : undefined;
      }
      case 'k:': {
        const parsed: unknown = JSON.parse(rest);
        if (!isObject(parsed)) return undefined;
        const fields = Object.entries(parsed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return { type: 'key', fields };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

interface ChildNode {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** A trie of paths. `members` are paths ending here; `children` continue deeper. */
export class FieldSet {
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, ChildNode>();

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: Path): void {
    const [head, ...rest] = path;
    if (!head) return;
    const key = peKey(head);
    if (rest.length === 0) {
      this.members.set(key, head);
      return;
    }
    this.childOrCreate(head).insert(rest);
  }

  has(path: Path): boolean {
    const [head, ...rest] = path;
    if (!head) return false;
    const key = peKey(head);
    if (rest.length === 0) return this.members.has(key);
    return this.children.get(key)?.set.has(rest) ?? false;
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.set.empty()) return false;
    return true;
  }

  /** The subset below `pe` (paths relative to it). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(peKey(pe))?.set ?? new FieldSet();
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, node] of other.children) {
      const mine = out.children.get(k);
      out.children.set(k, { pe: node.pe, set: mine ? mine.set.union(node.set) : node.set.copy() });
    }
    return out;
  }

  /** Members of this not in other; children are diffed but not dropped with a removed member. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, node] of this.children) {
      const theirs = other.children.get(k);
      const set = theirs ? node.set.difference(theirs.set) : node.set.copy();
      if (!set.empty()) out.children.set(k, { pe: node.pe, set });
    }
    return out;
  }

  /** Like difference, but a member of other also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, node] of this.children) {
      if (other.members.has(k)) continue;
      const theirs = other.children.get(k);
      const set = theirs ? node.set.recursiveDifference(theirs.set) : node.set.copy();
      if (!set.empty()) out.children.set(k, { pe: node.pe, set });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, node] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs) continue;
      const set = node.set.intersection(theirs.set);
      if (!set.empty()) out.children.set(k, { pe: node.pe, set });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** Every member path, in the order Set.Iterate walks: this level's members, then children. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const pe of sortedPEs(this.members)) out.push([...prefix, pe]);
    for (const node of sortedNodes(this.children)) out.push(...node.set.paths([...prefix, node.pe]));
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, node] of this.children) out.children.set(k, { pe: node.pe, set: node.set.copy() });
    return out;
  }

  private childOrCreate(pe: PathElement): FieldSet {
    const key = peKey(pe);
    let node = this.children.get(key);
    if (!node) {
      node = { pe, set: new FieldSet() };
      this.children.set(key, node);
    }
    return node.set;
  }
}

function sortedPEs(members: Map<string, PathElement>): PathElement[] {
  return [...members.values()].sort(comparePE);
}

function sortedNodes(children: Map<string, ChildNode>): ChildNode[] {
  return [...children.values()].filter((n) => !n.set.empty()).sort((a, b) => comparePE(a.pe, b.pe));
}

/** Encodes a set the way the apiserver stores it: sorted keys, "." first when a node is also a member. */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  return emit(set, false);
}

function emit(set: FieldSet, includeSelf: boolean): FieldsV1 {
  const out: FieldsV1 = {};
  const children = sortedNodes(set.children);
  if (includeSelf && (set.members.size > 0 || children.length > 0)) out['.'] = {};
  const entries: Array<{ pe: PathElement; member: boolean; child?: FieldSet }> = [];
  const byKey = new Map<string, { pe: PathElement; member: boolean; child?: FieldSet }>();
  for (const [k, pe] of set.members) {
    const entry = { pe, member: true };
    byKey.set(k, entry);
    entries.push(entry);
  }
  for (const node of children) {
    const k = peKey(node.pe);
    const existing = byKey.get(k);
    if (existing) existing.child = node.set;
    else {
      const entry = { pe: node.pe, member: false, child: node.set };
      byKey.set(k, entry);
      entries.push(entry);
    }
  }
  entries.sort((a, b) => comparePE(a.pe, b.pe));
  for (const entry of entries) {
    out[peKey(entry.pe)] = entry.child ? emit(entry.child, entry.member) : {};
  }
  return out;
}

/** Decodes FieldsV1; unknown keys are ignored like the apiserver does. */
export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  if (isObject(fields)) readInto(set, fields);
  return set;
}

function readInto(set: FieldSet, fields: Record<string, unknown>): void {
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    const pe = parsePathElement(key);
    if (!pe) continue;
    const subObj = isObject(sub) ? sub : {};
    const subKeys = Object.keys(subObj);
    const isMember = subKeys.length === 0 || subKeys.includes('.');
    if (isMember) set.members.set(peKey(pe), pe);
    if (subKeys.some((k) => k !== '.')) {
      const child = new FieldSet();
      readInto(child, subObj);
      if (!child.empty()) {
        const existing = set.children.get(peKey(pe));
        set.children.set(peKey(pe), { pe, set: existing ? existing.set.union(child) : child });
      }
    }
  }
}
