// Query parameters shared by the verbs: dryRun, fieldManager, force, selectors.
import { badRequest, invalid } from '../errors.ts';
import type { ResourceDef } from '../registry.ts';
import { parseFieldSelector, parseLabelSelector, type Selector } from '../selectors.ts';

export function dryRunOf(q: URLSearchParams, optionsKind: string): boolean {
  const values = q.getAll('dryRun');
  if (values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') {
      throw invalid('meta.k8s.io', optionsKind, '', [
        { type: 'FieldValueNotSupported', field: 'dryRun', value: v, detail: 'supported values: "All"' },
      ]);
    }
  }
  return true;
}

/** The manager recorded for a write: fieldManager, else the User-Agent up to its first "/". */
export function managerOf(q: URLSearchParams, userAgent: string | undefined, optionsKind: string): string {
  const explicit = q.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > 128) {
      throw invalid('meta.k8s.io', optionsKind, '', [
        {
          type: 'FieldValueInvalid',
          field: 'fieldManager',
          value: explicit,
          detail: 'must be less than or equal to 128 characters',
        },
      ]);
    }
    return explicit;
  }
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  return prefix.slice(0, 128);
}

export function checkFieldValidation(q: URLSearchParams, optionsKind: string): void {
  const v = q.get('fieldValidation');
  if (v === null || v === '' || v === 'Strict' || v === 'Warn' || v === 'Ignore') return;
  throw invalid('meta.k8s.io', optionsKind, '', [
    {
      type: 'FieldValueNotSupported',
      field: 'fieldValidation',
      value: v,
      detail: 'supported values: "Ignore", "Strict", "Warn"',
    },
  ]);
}

export function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid value for ${name}: ${v}`);
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${v}`);
  return Number(v);
}

export function selectorOf(q: URLSearchParams, def: ResourceDef): Selector {
  return {
    labels: parseLabelSelector(q.get('labelSelector')),
    fields: parseFieldSelector(q.get('fieldSelector'), def.kind, def.crd),
  };
}
