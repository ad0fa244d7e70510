// FieldsV1 sets for writes the simulator makes itself (status written by the simulated
// controller-manager), in the apiserver's encoding: f:<field>, k:{"type":"X"} for keyed lists.
import type { FieldsV1, KubeObject, ManagedFieldsEntry } from './types.ts';
import { isRecord } from './util.ts';

function fieldsOf(value: unknown): FieldsV1 {
  const out: FieldsV1 = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (isRecord(v)) out[`f:${k}`] = fieldsOf(v);
    else if (Array.isArray(v) && v.length > 0 && v.every((i) => isRecord(i) && typeof i.type === 'string')) {
      const list: FieldsV1 = { '.': {} };
      for (const item of v) {
        if (!isRecord(item)) continue;
        list[`k:${JSON.stringify({ type: item.type })}`] = { '.': {}, ...fieldsOf(item) };
      }
      out[`f:${k}`] = list;
    } else out[`f:${k}`] = {};
  }
  return out;
}

/** Replaces (or adds) the Update entry of `manager` for the status subresource; `annotations`
 * are those it also owns (the deployment controller's revision annotation). */
export function setStatusManager(
  obj: KubeObject,
  manager: string,
  time: string,
  annotations: string[] = [],
): void {
  const entries = (obj.metadata.managedFields ?? []).filter(
    (e) => !(e.manager === manager && e.operation === 'Update' && e.subresource === 'status'),
  );
  const status = obj.status;
  if (isRecord(status) && Object.keys(status).length > 0) {
    const entry: ManagedFieldsEntry = {
      manager,
      operation: 'Update',
      apiVersion: obj.apiVersion,
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': fieldsOf(status) },
      subresource: 'status',
    };
    if (annotations.length > 0) {
      const owned: FieldsV1 = { '.': {} };
      for (const a of annotations) owned[`f:${a}`] = {};
      entry.fieldsV1 = { 'f:metadata': { 'f:annotations': owned }, ...entry.fieldsV1 };
    }
    entries.push(entry);
  }
  obj.metadata.managedFields = entries;
}
