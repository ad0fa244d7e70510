// CustomResourceDefinitions: what they serve, how they are validated, defaulted and reported.
import type { FieldError } from './errors.ts';
import type { ResourceDef } from './registry.ts';
import type { KubeObject } from './types.ts';
import { isRecord, rfc3339 } from './util.ts';

const CR_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
export const CRD_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

interface Names {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function names(crd: KubeObject): Names {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const n = isRecord(spec.names) ? spec.names : {};
  const kind = typeof n.kind === 'string' ? n.kind : '';
  return {
    plural: typeof n.plural === 'string' ? n.plural : '',
    singular: typeof n.singular === 'string' && n.singular ? n.singular : kind.toLowerCase(),
    kind,
    listKind: typeof n.listKind === 'string' && n.listKind ? n.listKind : `${kind}List`,
    shortNames: strings(n.shortNames),
    categories: strings(n.categories),
  };
}

function versions(crd: KubeObject): Record<string, unknown>[] {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  return Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
}

export function crdGroup(crd: KubeObject): string {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  return typeof spec.group === 'string' ? spec.group : '';
}

export function crdStorageKey(crd: KubeObject): string {
  return `${names(crd).plural}.${crdGroup(crd)}`;
}

/** The resource definitions a CRD serves, one per served version. */
export function crdDefs(crd: KubeObject): ResourceDef[] {
  const n = names(crd);
  const group = crdGroup(crd);
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const namespaced = spec.scope !== 'Cluster';
  return versions(crd)
    .filter((v) => v.served !== false && typeof v.name === 'string')
    .map((v) => {
      const sub = isRecord(v.subresources) ? v.subresources : {};
      const subresources: string[] = [];
      if (isRecord(sub.status)) subresources.push('status');
      const def: ResourceDef = {
        group,
        version: String(v.name),
        resource: n.plural,
        singular: n.singular,
        kind: n.kind,
        listKind: n.listKind,
        namespaced,
        verbs: CR_VERBS,
        shortNames: n.shortNames,
        categories: n.categories,
        subresources,
        generation: true,
        nameRule: 'subdomain',
        storageKey: `${n.plural}.${group}`,
        crd: true,
        returnDeleted: false,
        strategicMerge: false,
      };
      if (Array.isArray(v.additionalPrinterColumns)) {
        def.printerColumns = v.additionalPrinterColumns.filter(isRecord).map((c) => ({
          name: String(c.name ?? ''),
          type: String(c.type ?? 'string'),
          jsonPath: String(c.jsonPath ?? ''),
          description: typeof c.description === 'string' ? c.description : '',
          format: typeof c.format === 'string' ? c.format : '',
          priority: typeof c.priority === 'number' ? c.priority : 0,
        }));
      }
      if (isRecord(sub.scale)) {
        subresources.push('scale');
        const scale: NonNullable<ResourceDef['scale']> = {
          specReplicasPath: String(sub.scale.specReplicasPath ?? '.spec.replicas'),
          statusReplicasPath: String(sub.scale.statusReplicasPath ?? '.status.replicas'),
        };
        if (typeof sub.scale.labelSelectorPath === 'string')
          scale.labelSelectorPath = sub.scale.labelSelectorPath;
        def.scale = scale;
      }
      return def;
    });
}

export function validateCrd(crd: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const n = names(crd);
  const group = crdGroup(crd);
  const spec = isRecord(crd.spec) ? crd.spec : {};
  if (!group) errs.push({ type: 'FieldValueRequired', field: 'spec.group', detail: '' });
  else if (!group.includes('.')) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.group',
      value: group,
      detail: 'should be a domain with at least one dot',
    });
  }
  if (!n.plural) errs.push({ type: 'FieldValueRequired', field: 'spec.names.plural', detail: '' });
  if (!n.kind) errs.push({ type: 'FieldValueRequired', field: 'spec.names.kind', detail: '' });
  const name = crd.metadata.name ?? '';
  if (n.plural && group && name !== `${n.plural}.${group}`) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'metadata.name',
      value: name,
      detail: 'must be spec.names.plural+"."+spec.group',
    });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'spec.scope',
      value: spec.scope ?? '',
      detail: 'supported values: "Cluster", "Namespaced"',
    });
  }
  const vs = versions(crd);
  if (vs.length === 0) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.versions',
      value: [],
      detail: 'must have exactly one version marked as storage version',
    });
  } else {
    if (vs.filter((v) => v.storage === true).length !== 1) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.versions',
        value: vs.map((v) => v.name),
        detail: 'must have exactly one version marked as storage version',
      });
    }
    vs.forEach((v, i) => {
      const schema = isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined;
      if (!isRecord(schema)) {
        errs.push({
          type: 'FieldValueRequired',
          field: `spec.versions[${i}].schema.openAPIV3Schema`,
          detail: 'schemas are required',
        });
      }
    });
  }
  return errs;
}

export function crdDefaults(crd: KubeObject): void {
  const spec = isRecord(crd.spec) ? crd.spec : undefined;
  if (!spec) return;
  const n = isRecord(spec.names) ? spec.names : undefined;
  if (n) {
    if (!n.singular && typeof n.kind === 'string') n.singular = n.kind.toLowerCase();
    if (!n.listKind && typeof n.kind === 'string') n.listKind = `${n.kind}List`;
  }
  if (!isRecord(spec.conversion)) spec.conversion = { strategy: 'None' };
}

export function crdStatus(crd: KubeObject, now: number): Record<string, unknown> {
  const n = names(crd);
  const prev = isRecord(crd.status) ? crd.status : {};
  const accepted: Record<string, unknown> = {
    kind: n.kind,
    listKind: n.listKind,
    plural: n.plural,
    singular: n.singular,
  };
  if (n.shortNames.length) accepted.shortNames = n.shortNames;
  if (n.categories.length) accepted.categories = n.categories;
  const storage = versions(crd).find((v) => v.storage === true)?.name;
  const stored = new Set(strings(prev.storedVersions));
  if (typeof storage === 'string') stored.add(storage);
  const prevConds = Array.isArray(prev.conditions) ? prev.conditions.filter(isRecord) : [];
  const since = (type: string): string => {
    const c = prevConds.find((x) => x.type === type && x.status === 'True');
    return typeof c?.lastTransitionTime === 'string' ? c.lastTransitionTime : rfc3339(now);
  };
  return {
    acceptedNames: accepted,
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: since('NamesAccepted'),
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: since('Established'),
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    storedVersions: [...stored],
  };
}
