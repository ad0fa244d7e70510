// A minimal OpenAPI v3: every PATCH operation with its group-version-kind and query
// parameters, which is what kubectl reads to learn that the server validates fields
// (so it sends fieldValidation=Strict instead of validating on the client). No schemas.
import { createHash } from 'node:crypto';
import { groupVersion, type Registry, type ResourceDef } from './registry.ts';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function queryParam(name: string, description: string, type = 'string'): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParam(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParam(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  ),
];

function operation(
  def: ResourceDef,
  action: string,
  params: Record<string, unknown>[],
): Record<string, unknown> {
  return {
    description: `${action} the specified ${def.kind}`,
    operationId: `${action}${def.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: def.group, version: def.version, kind: def.kind },
  };
}

function pathsFor(def: ResourceDef): Record<string, unknown> {
  const base = `/${gvPath(def.group, def.version)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.resource}`;
  const patchParams = [
    ...WRITE_PARAMS,
    queryParam('force', 'Force is going to "force" Apply requests.', 'boolean'),
  ];
  const paths: Record<string, unknown> = {
    [base]: { get: operation(def, 'list', []), post: operation(def, 'post', WRITE_PARAMS) },
    [`${base}/{name}`]: {
      get: operation(def, 'get', []),
      put: operation(def, 'put', WRITE_PARAMS),
      patch: operation(def, 'patch', patchParams),
      delete: operation(def, 'delete', [
        queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
      ]),
    },
  };
  for (const sub of def.subresources) {
    paths[`${base}/{name}/${sub}`] = {
      get: operation(def, 'get', []),
      put: operation(def, 'put', WRITE_PARAMS),
      patch: operation(def, 'patch', patchParams),
    };
  }
  return paths;
}

export function openapiV3Doc(registry: Registry, group: string, version: string): unknown | undefined {
  const defs = registry.all().filter((d) => d.group === group && d.version === version && !d.review);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const def of defs) Object.assign(paths, pathsFor(def));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

export function openapiV3Root(registry: Registry): unknown {
  const gvs = new Map<string, { group: string; version: string }>();
  for (const def of registry.all()) {
    if (!def.review) gvs.set(groupVersion(def), { group: def.group, version: def.version });
  }
  const paths: Record<string, unknown> = {};
  for (const { group, version } of gvs.values()) {
    const doc = JSON.stringify(openapiV3Doc(registry, group, version));
    const hash = createHash('sha512').update(doc).digest('hex').toUpperCase();
    paths[gvPath(group, version)] = {
      serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}`,
    };
  }
  return { paths };
}
