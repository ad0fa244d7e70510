// Changes made behind Tether's back to objects it applied: the diff of the last applied bundle
// against the cluster, for objects that exist, without prune.
//
// Server-side apply decides what shows. Another manager that changes a field Tether owns (an
// update such as `kubectl scale` or `kubectl edit`) takes the field over, so Tether's plain dry
// run answers with a field_conflict; the diff then dry-runs with force, which shows the field as
// Tether's apply would set it again (`spec.replicas` 5 → 1), and names the other manager in
// `conflicts`. A field set to the value Tether applies becomes shared and is no drift; fields
// Tether never set (another manager's annotations, defaulted fields) are never drift.
import type { KubeObject, RenderedObject } from '@tether/manifests';
import type { KubeClient, ObjectRef } from './client.ts';
import type { FieldChange } from './compare.ts';
import { diffObject, planForDiff } from './diff.ts';
import type { FieldConflict } from './errors.ts';
import { FIELD_MANAGER } from './labels.ts';

export interface DetectDriftOptions {
  client: KubeClient;
  /** The bundle as last applied. */
  objects: readonly (RenderedObject | KubeObject)[];
  application: string;
  destinationNamespace: string;
  fieldManager?: string;
  signal?: AbortSignal | undefined;
}

export interface ObjectDrift {
  ref: ObjectRef;
  changes: FieldChange[];
  /** The managers that took fields over from Tether. */
  conflicts?: FieldConflict[];
}

export interface DriftResult {
  /** Objects whose live state differs from what Tether applies, in apply order. */
  drifted: ObjectDrift[];
  /** Objects of the bundle that do not exist (deleted behind Tether's back, or never applied). */
  missing: ObjectRef[];
  /** How many existing objects were compared. */
  checked: number;
}

export async function detectDrift(opts: DetectDriftOptions): Promise<DriftResult> {
  const { client, signal } = opts;
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  const { planned, notDryRunnable } = await planForDiff(opts);
  const drifted: ObjectDrift[] = [];
  const missing: ObjectRef[] = [];
  let checked = 0;
  for (const p of planned) {
    const d = notDryRunnable.has(p) ? undefined : await diffObject(p, { client, fieldManager, signal });
    if (!d) {
      missing.push(p.ref);
      continue;
    }
    checked++;
    if (d.action === 'change') {
      drifted.push({
        ref: p.ref,
        changes: d.changes ?? [],
        ...(d.conflicts ? { conflicts: d.conflicts } : {}),
      });
    }
  }
  return { drifted, missing, checked };
}
