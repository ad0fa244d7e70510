// Discovery documents: legacy (/api, /apis, APIResourceList) and aggregated
// (apidiscovery.k8s.io v2/v2beta1), which kubectl 1.32 asks for first.
import { type GroupInfo, groupVersion, type Registry, type ResourceDef } from './registry.ts';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  emulationMajor: '1',
  emulationMinor: '32',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '31',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  finalize: ['update'],
  token: ['create'],
};

/** The group/version/kind a subresource answers with. */
function subresourceKind(d: ResourceDef, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  return { group: d.group, version: d.version, kind: d.kind };
}

function defsOf(registry: Registry, group: string, version: string): ResourceDef[] {
  return registry
    .all()
    .filter((d) => d.group === group && d.version === version)
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(g: GroupInfo): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(registry: Registry): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map(groupDoc) };
}

export function apiGroup(registry: Registry, group: string): unknown | undefined {
  const g = registry.groups().find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) } : undefined;
}

export function apiResourceList(registry: Registry, group: string, version: string): unknown | undefined {
  const defs = defsOf(registry, group, version);
  if (defs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const d of defs) {
    const r: Record<string, unknown> = {
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
    };
    if (d.shortNames.length) r.shortNames = d.shortNames;
    if (d.categories.length) r.categories = d.categories;
    resources.push(r);
    for (const sub of d.subresources) {
      const k = subresourceKind(d, sub);
      const s: Record<string, unknown> = {
        name: `${d.resource}/${sub}`,
        singularName: '',
        namespaced: d.namespaced,
        kind: k.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      };
      if (k.group !== d.group || k.version !== d.version) {
        s.group = k.group;
        s.version = k.version;
      }
      resources.push(s);
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}

function discoveryResource(d: ResourceDef): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: d.resource,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: d.verbs,
  };
  if (d.shortNames.length) r.shortNames = d.shortNames;
  if (d.categories.length) r.categories = d.categories;
  if (d.subresources.length) {
    r.subresources = d.subresources.map((sub) => ({
      subresource: sub,
      responseKind: subresourceKind(d, sub),
      verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
    }));
  }
  return r;
}

/** APIGroupDiscoveryList for /api (legacy: true) or /apis. */
export function aggregatedDiscovery(registry: Registry, legacy: boolean, apiVersion: string): unknown {
  const groups: GroupInfo[] = legacy ? [{ name: '', versions: ['v1'] }] : registry.groups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: defsOf(registry, g.name, v).map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}
