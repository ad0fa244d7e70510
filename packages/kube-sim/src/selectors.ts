// Label and field selectors with the grammar and semantics of k8s.io/apimachinery/pkg/labels
// and pkg/fields: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`.
import { badRequest } from './errors.ts';
import type { KubeObject } from './types.ts';
import { getPath } from './util.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: '=' | '!='; values: [string] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = Requirement[];

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PREFIX_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const ok =
    name.length > 0 &&
    name.length <= 63 &&
    NAME_RE.test(name) &&
    (prefix === undefined || (prefix.length > 0 && prefix.length <= 253 && PREFIX_RE.test(prefix)));
  if (!ok) {
    throw badRequest(
      `unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
}

function checkValue(value: string): void {
  if (value === '') return;
  if (value.length > 63 || !NAME_RE.test(value)) {
    throw badRequest(
      `unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function parseLabelSelector(input: string | undefined | null): LabelSelector {
  if (!input || input.trim() === '') return [];
  const reqs: LabelSelector = [];
  for (const raw of splitTopLevel(input)) {
    const part = raw.trim();
    if (part === '') throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    const opMatch = setMatch ? null : /^([^=!<>\s]+)\s*(==|!=|=|>|<)\s*(.*)$/.exec(part);
    if (part.startsWith('!')) {
      const key = part.slice(1).trim();
      checkKey(key);
      reqs.push({ key, op: '!' });
    } else if (setMatch) {
      const m = setMatch;
      const key = m[1] ?? '';
      checkKey(key);
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      for (const v of values) checkValue(v);
      reqs.push({ key, op: m[2] === 'in' ? 'in' : 'notin', values });
    } else if (opMatch) {
      const m = opMatch;
      const key = m[1] ?? '';
      const op = m[2] ?? '=';
      const value = (m[3] ?? '').trim();
      checkKey(key);
      if (op === '>' || op === '<') {
        const n = Number(value);
        if (!/^-?\d+$/.test(value)) {
          throw badRequest(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        reqs.push({ key, op: op === '>' ? 'gt' : 'lt', value: n });
      } else {
        checkValue(value);
        reqs.push({ key, op: op === '!=' ? '!=' : '=', values: [value] });
      }
    } else if (/^\S+$/.test(part)) {
      checkKey(part);
      reqs.push({ key: part, op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: ',' or 'end of string'`);
    }
  }
  return reqs;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of sel) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const val = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case 'in':
        if (!has || !r.values.includes(val ?? '')) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(val ?? '')) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(val ?? '')) return false;
        const n = Number(val);
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** Converts a metav1.LabelSelector (matchLabels/matchExpressions) to the string form. */
export function labelSelectorToString(sel: unknown): string {
  if (typeof sel !== 'object' || sel === null) return '';
  const s = sel as {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

// Fields each kind can be selected on beyond metadata.name/metadata.namespace (as in the registries).
const EXTRA_FIELDS: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Job: ['status.successful'],
  ReplicaSet: ['status.replicas'],
};

function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(
  input: string | undefined | null,
  kind: string,
  crd: boolean,
): FieldSelector {
  if (!input || input.trim() === '') return [];
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? [])]);
  const reqs: FieldSelector = [];
  for (const raw of input.split(/(?<!\\),/)) {
    const part = raw.trim();
    const m = /^(.*?)(==|!=|=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    const field = (m[1] ?? '').trim();
    if (!allowed.has(field)) {
      if (crd) {
        throw badRequest(
          `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
        );
      }
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: unescapeField((m[3] ?? '').trim()) });
  }
  return reqs;
}

function fieldValue(obj: KubeObject, field: string): string {
  if (field === 'source') return String(getPath(obj, 'source.component') ?? '');
  const v = getPath(obj, field);
  if (v === undefined || v === null) return '';
  return String(v);
}

export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  for (const r of sel) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

export interface Selector {
  labels: LabelSelector;
  fields: FieldSelector;
}

export function matches(sel: Selector, obj: KubeObject): boolean {
  return matchesLabels(sel.labels, obj.metadata.labels) && matchesFields(sel.fields, obj);
}
