// Object validation the apiserver performs for every type: names, namespaces, metadata shape.
import { type FieldError, invalid } from './errors.ts';
import type { ResourceDef } from './registry.ts';
import type { KubeObject } from './types.ts';
import { isRecord } from './util.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Messages for an invalid name under a rule, empty when valid. */
export function nameErrors(name: string, rule: ResourceDef['nameRule']): string[] {
  switch (rule) {
    case 'label':
      if (name.length > 63) return ['must be no more than 63 characters'];
      return DNS1123_LABEL.test(name) ? [] : [LABEL_MSG];
    case 'dns1035':
      if (name.length > 63) return ['must be no more than 63 characters'];
      return DNS1035_LABEL.test(name) ? [] : [DNS1035_MSG];
    case 'path':
      if (name === '.' || name === '..') return [`may not be '${name}'`];
      if (name.includes('/')) return [`may not contain '/'`];
      if (name.includes('%')) return [`may not contain '%'`];
      return [];
    default:
      if (name.length > 253) return ['must be no more than 253 characters'];
      return DNS1123_SUBDOMAIN.test(name) ? [] : [SUBDOMAIN_MSG];
  }
}

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  const errs: string[] = [];
  if (prefix !== undefined && (prefix.length === 0 || !DNS1123_SUBDOMAIN.test(prefix))) {
    errs.push(`prefix part ${SUBDOMAIN_MSG}`);
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

/** Validates metadata common to every object; throws 422 Invalid. */
export function validateObjectMeta(def: ResourceDef, obj: KubeObject): void {
  const errs: FieldError[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) {
    errs.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      detail: 'name or generateName is required',
    });
  } else {
    for (const msg of nameErrors(name, def.nameRule)) {
      errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: msg });
    }
  }
  const labels = obj.metadata.labels;
  if (labels !== undefined && labels !== null) {
    if (!isRecord(labels)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        value: labels,
        detail: 'must be a map',
      });
    } else {
      for (const [k, v] of Object.entries(labels)) {
        for (const msg of qualifiedNameErrors(k)) {
          errs.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value: k, detail: msg });
        }
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE_RE.test(v)) {
          errs.push({
            type: 'FieldValueInvalid',
            field: `metadata.labels`,
            value: v,
            detail:
              "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
          });
        }
      }
    }
  }
  const annotations = obj.metadata.annotations;
  if (annotations !== undefined && annotations !== null) {
    if (!isRecord(annotations)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.annotations',
        value: annotations,
        detail: 'must be a map',
      });
    } else {
      let total = 0;
      for (const [k, v] of Object.entries(annotations)) {
        for (const msg of qualifiedNameErrors(k.toLowerCase())) {
          errs.push({ type: 'FieldValueInvalid', field: 'metadata.annotations', value: k, detail: msg });
        }
        total += k.length + (typeof v === 'string' ? v.length : 0);
      }
      if (total > 256 * 1024) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'metadata.annotations',
          value: '',
          detail: 'Too long: must have at most 262144 bytes',
        });
      }
    }
  }
  if (errs.length > 0) throw invalid(def.group, def.kind, name, errs);
}
