// Maps a request path (cluster prefix already removed) to what it addresses.
import type { Registry, ResourceDef } from './registry.ts';

export type Route =
  | { type: 'health'; check: string }
  | { type: 'version' }
  | { type: 'api' }
  | { type: 'apis' }
  | { type: 'group'; group: string }
  | { type: 'groupVersion'; group: string; version: string }
  | { type: 'openapiV3Root' }
  | { type: 'openapiV3'; group: string; version: string }
  | { type: 'openapiV2' }
  | ResourceRoute
  | { type: 'notFound' };

export interface ResourceRoute {
  type: 'resource';
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated /watch/ path prefix was used. */
  watchPath: boolean;
}

const NOT_FOUND: Route = { type: 'notFound' };

function resourceRoute(registry: Registry, group: string, version: string, segs: string[]): Route {
  let watchPath = false;
  let rest = segs;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  const first = rest[0];
  const third = rest[2];
  if (first === 'namespaces' && rest.length >= 3 && third !== undefined) {
    const nsDef = registry.lookup(group, version, third);
    if (nsDef?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return NOT_FOUND;
  const def = registry.lookup(group, version, resource);
  if (!def) return NOT_FOUND;
  if (namespace !== undefined && !def.namespaced) return NOT_FOUND;
  if (def.namespaced && namespace === undefined && name !== undefined) return NOT_FOUND;
  if (subresource !== undefined && !def.subresources.includes(subresource)) return NOT_FOUND;
  if (name === '') return NOT_FOUND;
  return { type: 'resource', def, namespace, name, subresource, watchPath };
}

export function route(registry: Registry, path: string): Route {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segs = trimmed.split('/').slice(1).map(decodeURIComponent);
  const [a, b, c, ...rest] = segs;
  switch (a) {
    case 'healthz':
    case 'livez':
    case 'readyz':
      return { type: 'health', check: segs.slice(1).join('/') };
    case 'version':
      return segs.length === 1 ? { type: 'version' } : NOT_FOUND;
    case 'openapi':
      if (b === 'v2' && segs.length === 2) return { type: 'openapiV2' };
      if (b !== 'v3') return NOT_FOUND;
      if (segs.length === 2) return { type: 'openapiV3Root' };
      if (c === 'api' && rest.length === 1) return { type: 'openapiV3', group: '', version: rest[0] ?? '' };
      if (c === 'apis' && rest.length === 2)
        return { type: 'openapiV3', group: rest[0] ?? '', version: rest[1] ?? '' };
      return NOT_FOUND;
    case 'api':
      if (b === undefined) return { type: 'api' };
      if (b !== 'v1') return NOT_FOUND;
      if (c === undefined) return { type: 'groupVersion', group: '', version: 'v1' };
      return resourceRoute(registry, '', 'v1', segs.slice(2));
    case 'apis': {
      if (b === undefined) return { type: 'apis' };
      if (c === undefined) return { type: 'group', group: b };
      if (rest.length === 0) return { type: 'groupVersion', group: b, version: c };
      return resourceRoute(registry, b, c, rest);
    }
    default:
      return NOT_FOUND;
  }
}
