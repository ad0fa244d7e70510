// Type-specific validation of built-in kinds (the parts clients commonly trip over) and CRDs.
import { crdDefaults, validateCrd } from './crd.ts';
import { type FieldError, invalid } from './errors.ts';
import type { ResourceDef } from './registry.ts';
import { labelSelectorToString, matchesLabels, parseLabelSelector } from './selectors.ts';
import type { KubeObject } from './types.ts';
import { deepEqual, getPath, isRecord } from './util.ts';

function containerErrors(podSpec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(podSpec)) return [{ type: 'FieldValueRequired', field: path, detail: '' }];
  const containers = podSpec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push({ type: 'FieldValueRequired', field: `${path}.containers`, detail: '' });
    return errs;
  }
  containers.forEach((c, i) => {
    if (!isRecord(c) || typeof c.name !== 'string' || c.name === '') {
      errs.push({ type: 'FieldValueRequired', field: `${path}.containers[${i}].name`, detail: '' });
    }
    if (!isRecord(c) || typeof c.image !== 'string' || c.image === '') {
      errs.push({ type: 'FieldValueRequired', field: `${path}.containers[${i}].image`, detail: '' });
    }
  });
  return errs;
}

function workloadErrors(
  obj: KubeObject,
  before: KubeObject | undefined,
  selectorRequired: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const selector = getPath(obj, 'spec.selector');
  if (!isRecord(selector)) {
    if (selectorRequired) errs.push({ type: 'FieldValueRequired', field: 'spec.selector', detail: '' });
  } else {
    const labels = getPath(obj, 'spec.template.metadata.labels');
    const sel = parseLabelSelector(labelSelectorToString(selector));
    if (sel.length === 0) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        value: selector,
        detail: 'empty selector is invalid for deployment',
      });
    } else if (!matchesLabels(sel, isRecord(labels) ? (labels as Record<string, string>) : undefined)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        value: labels ?? {},
        detail: '`selector` does not match template `labels`',
      });
    }
    if (before && !deepEqual(getPath(before, 'spec.selector'), selector)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        value: selector,
        detail: 'field is immutable',
      });
    }
  }
  errs.push(...containerErrors(getPath(obj, 'spec.template.spec'), 'spec.template.spec'));
  return errs;
}

export function kindErrors(def: ResourceDef, obj: KubeObject, before: KubeObject | undefined): FieldError[] {
  if (def.crd) return [];
  switch (`${def.group}/${def.kind}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      return workloadErrors(obj, before, true);
    case 'batch/Job': {
      const errs = containerErrors(getPath(obj, 'spec.template.spec'), 'spec.template.spec');
      const restart = getPath(obj, 'spec.template.spec.restartPolicy');
      if (restart !== 'Never' && restart !== 'OnFailure') {
        errs.push({
          type: 'FieldValueNotSupported',
          field: 'spec.template.spec.restartPolicy',
          value: restart ?? '',
          detail: 'supported values: "OnFailure", "Never"',
        });
      }
      if (before && !deepEqual(getPath(before, 'spec.template'), getPath(obj, 'spec.template'))) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.template',
          value: '',
          detail: 'field is immutable',
        });
      }
      return errs;
    }
    case '/Pod':
      return containerErrors(obj.spec, 'spec');
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return validateCrd(obj);
    case '/Service': {
      const type = getPath(obj, 'spec.type');
      const ports = getPath(obj, 'spec.ports');
      const headless = getPath(obj, 'spec.clusterIP') === 'None';
      if (type !== 'ExternalName' && !headless && (!Array.isArray(ports) || ports.length === 0)) {
        return [{ type: 'FieldValueRequired', field: 'spec.ports', detail: '' }];
      }
      if (before && getPath(before, 'spec.clusterIP') !== getPath(obj, 'spec.clusterIP')) {
        return [
          {
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs[0]',
            value: getPath(obj, 'spec.clusterIP'),
            detail: 'may not change once set',
          },
        ];
      }
      return [];
    }
    default:
      return [];
  }
}

export function validateKind(def: ResourceDef, obj: KubeObject, before: KubeObject | undefined): void {
  const errs = kindErrors(def, obj, before);
  if (errs.length > 0) throw invalid(def.group, def.kind, obj.metadata.name ?? '', errs);
}

export function kindDefaults(def: ResourceDef, obj: KubeObject): void {
  if (!def.crd && def.kind === 'CustomResourceDefinition') crdDefaults(obj);
}

/** Values the apiserver allocated (cluster IPs, node ports) survive updates that omit them. */
export function carryAllocated(before: KubeObject | undefined, after: KubeObject): void {
  if (!before || after.kind !== 'Service' || after.apiVersion !== 'v1') return;
  const spec = isRecord(after.spec) ? after.spec : undefined;
  const old = isRecord(before.spec) ? before.spec : undefined;
  if (!spec || !old) return;
  if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
  if (!Array.isArray(spec.clusterIPs) && Array.isArray(old.clusterIPs) && spec.clusterIP === old.clusterIP) {
    spec.clusterIPs = old.clusterIPs;
  }
  if (Array.isArray(spec.ports) && Array.isArray(old.ports)) {
    for (const p of spec.ports) {
      if (!isRecord(p) || p.nodePort !== undefined) continue;
      const match = old.ports.find(
        (o) => isRecord(o) && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
      );
      if (isRecord(match) && match.nodePort !== undefined) p.nodePort = match.nodePort;
    }
  }
}
