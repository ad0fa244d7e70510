// Which resource types a cluster serves: the built-ins plus those defined by CRDs.
import { BUILTIN_DEFS, BUILTIN_GROUP_ORDER } from './builtins.ts';

export interface ResourceDef {
  group: string;
  /** The served version this entry describes. */
  version: string;
  /** Plural resource name as used in URLs. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  /** Subresources served, e.g. "status", "scale". */
  subresources: string[];
  /** Whether metadata.generation is maintained. */
  generation: boolean;
  nameRule: 'subdomain' | 'label' | 'dns1035' | 'path';
  /** Version-independent storage bucket: "deployments.apps", "configmaps". */
  storageKey: string;
  /** Served from a CustomResourceDefinition. */
  crd: boolean;
  /** DELETE answers with the deleted object instead of a Status. */
  returnDeleted: boolean;
  /** Accepts application/strategic-merge-patch+json (custom resources do not). */
  strategicMerge: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** additionalPrinterColumns of a CRD version, for `kubectl get` tables. */
  printerColumns?: PrinterColumn[];
  /** Not stored: a create-only review answered on the spot (access reviews, whoami). */
  review?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface GroupInfo {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/** Orders versions as the apiserver does: GA > beta > alpha, higher numbers first, others last. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stage = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (!pa) return 1;
  if (!pb) return -1;
  for (let i = 0; i < 3; i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class Registry {
  private readonly crdDefs = new Map<string, ResourceDef[]>();
  private index = new Map<string, ResourceDef>();
  private kindIndex = new Map<string, ResourceDef>();
  /** Bumped on every change, for discovery ETags. */
  generation = 0;

  constructor() {
    this.rebuild();
  }

  all(): ResourceDef[] {
    return [...this.index.values()];
  }

  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.index.get(`${group}/${version}/${resource}`);
  }

  byKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.kindIndex.get(`${group}/${version}/${kind}`);
  }

  /** Any served version of a storage bucket (for objects stored independently of version). */
  byStorageKey(storageKey: string): ResourceDef | undefined {
    let best: ResourceDef | undefined;
    for (const def of this.index.values()) {
      if (def.storageKey !== storageKey) continue;
      if (!best || compareVersions(def.version, best.version) < 0) best = def;
    }
    return best;
  }

  groups(): GroupInfo[] {
    const versions = new Map<string, Set<string>>();
    for (const def of this.index.values()) {
      if (def.group === '') continue;
      let set = versions.get(def.group);
      if (!set) {
        set = new Set();
        versions.set(def.group, set);
      }
      set.add(def.version);
    }
    const rank = (g: string): number => {
      const i = BUILTIN_GROUP_ORDER.indexOf(g);
      return i === -1 ? BUILTIN_GROUP_ORDER.length : i;
    };
    return [...versions.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, set]) => ({ name, versions: [...set].sort(compareVersions) }));
  }

  setCrd(crdName: string, defs: ResourceDef[]): void {
    this.crdDefs.set(crdName, defs);
    this.rebuild();
  }

  removeCrd(crdName: string): void {
    if (this.crdDefs.delete(crdName)) this.rebuild();
  }

  private rebuild(): void {
    const index = new Map<string, ResourceDef>();
    const kindIndex = new Map<string, ResourceDef>();
    const add = (def: ResourceDef): void => {
      const key = `${def.group}/${def.version}/${def.resource}`;
      if (index.has(key)) return; // built-ins win over a CRD that claims the same name
      index.set(key, def);
      kindIndex.set(`${def.group}/${def.version}/${def.kind}`, def);
    };
    for (const def of BUILTIN_DEFS) add(def);
    for (const defs of this.crdDefs.values()) for (const def of defs) add(def);
    this.index = index;
    this.kindIndex = kindIndex;
    this.generation++;
  }
}

export function groupVersion(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
