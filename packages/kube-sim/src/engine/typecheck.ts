// apiVersion/kind/name/namespace of a request body against the URL it was sent to.
import { badRequest, invalid } from '../errors.ts';
import { groupVersion, type ResourceDef, splitApiVersion } from '../registry.ts';
import type { KubeObject } from '../types.ts';

/** Built-ins fail decoding (400) as the typed codec does; custom resources fail validation (422). */
export function checkTypeMeta(def: ResourceDef, obj: KubeObject): void {
  const gv = groupVersion(def);
  if (!obj.apiVersion) obj.apiVersion = gv;
  if (!obj.kind) obj.kind = def.kind;
  if (obj.apiVersion === gv && obj.kind === def.kind) return;
  const name = obj.metadata.name ?? '';
  if (def.crd) {
    const errs = [];
    if (obj.kind !== def.kind) {
      errs.push({
        type: 'FieldValueInvalid' as const,
        field: 'kind',
        value: obj.kind,
        detail: `must be ${def.kind}`,
      });
    }
    if (obj.apiVersion !== gv) {
      errs.push({
        type: 'FieldValueInvalid' as const,
        field: 'apiVersion',
        value: obj.apiVersion,
        detail: `must be ${gv}`,
      });
    }
    throw invalid(def.group, def.kind, name, errs);
  }
  const { group, version } = splitApiVersion(obj.apiVersion);
  if (obj.kind !== def.kind) {
    throw badRequest(
      `${obj.kind} in version "${version}" cannot be handled as a ${def.kind}: no kind "${obj.kind}" is registered for version "${obj.apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (group !== def.group || version !== def.version) {
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`,
    );
  }
}

/** Namespace from the URL fills an empty body namespace; a different one is a 400. */
export function checkNamespaceMatch(
  def: ResourceDef,
  obj: KubeObject,
  urlNamespace: string | undefined,
): void {
  if (!def.namespaced) return;
  const bodyNs = obj.metadata.namespace;
  if (bodyNs && urlNamespace && bodyNs !== urlNamespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (urlNamespace) obj.metadata.namespace = urlNamespace;
}

export function checkNameMatch(obj: KubeObject, urlName: string): void {
  const bodyName = obj.metadata.name;
  if (bodyName && bodyName !== urlName) {
    throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${urlName})`);
  }
  obj.metadata.name = urlName;
}
