// What applying a bundle would change, without changing anything: a server-side apply dry run of
// every object that exists (dryRun=All, Tether's field manager, no force) compared with the live
// object, plus what a prune would delete. Objects the cluster cannot dry-run yet (their namespace
// or their CRD comes with the bundle) are reported as created.
import { type KubeObject, type ManifestSource, orderForApply, type RenderedObject } from '@tether/manifests';
import type { KubeClient, ObjectRef } from './client.ts';
import { type FieldChange, fieldChanges } from './compare.ts';
import { type FieldConflict, isKubeError } from './errors.ts';
import type { InventoryEntry } from './inventory.ts';
import { FIELD_MANAGER } from './labels.ts';
import { type PlannedObject, planBundle, planError } from './plan.ts';
import { type PruneCandidate, planPrune } from './prune-plan.ts';

export type DiffAction = 'create' | 'change' | 'unchanged' | 'prune';

export interface ObjectDiff {
  ref: ObjectRef;
  action: DiffAction;
  /** For 'change': the fields the apply would change. */
  changes?: FieldChange[];
  /**
   * Fields another manager took over (a 409 without force): the apply fails with field_conflict
   * unless forced; `changes` shows what forcing would change.
   */
  conflicts?: FieldConflict[];
  /** For 'prune': why. */
  reason?: string;
  source?: ManifestSource;
}

export interface DiffBundleOptions {
  client: KubeClient;
  objects: readonly (RenderedObject | KubeObject)[];
  application: string;
  destinationNamespace: string;
  /** The previous inventory, for prune entries (labels find the rest). */
  inventory?: readonly InventoryEntry[];
  /** Include prune entries (default true). */
  prune?: boolean;
  fieldManager?: string;
  signal?: AbortSignal | undefined;
}

export interface DiffResult {
  /** In apply order, then prune entries in deletion order. */
  objects: ObjectDiff[];
  /** Objects no longer rendered that a prune would leave alone (skipped or retained), with the reason. */
  skipped: PruneCandidate[];
}

export interface PlannedDiffOptions {
  client: KubeClient;
  fieldManager: string;
  signal?: AbortSignal | undefined;
}

/** Planned objects in apply order and which of them the cluster cannot dry-run yet. */
export async function planForDiff(
  opts: DiffBundleOptions,
): Promise<{ planned: PlannedObject[]; notDryRunnable: Set<PlannedObject> }> {
  const { client, signal } = opts;
  const plan = await planBundle({ ...opts, objects: orderForApply(opts.objects), signal });
  // A missing namespace is not a problem for a diff: its objects would be created.
  const problems = plan.problems.filter((p) => p.code !== 'not_found');
  if (problems.length > 0) throw planError(problems, client.server);
  const exists = new Map<string, boolean>();
  const notDryRunnable = new Set<PlannedObject>();
  for (const p of plan.planned) {
    const ns = p.ref.namespace;
    if (ns !== undefined && !exists.has(ns)) {
      exists.set(
        ns,
        (await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }, { signal })) !== undefined,
      );
    }
    if (!p.served || (ns !== undefined && exists.get(ns) === false)) notDryRunnable.add(p);
  }
  return { planned: plan.planned, notDryRunnable };
}

/** The live object and what the apply would make of it; undefined when it does not exist. */
export async function diffObject(
  p: PlannedObject,
  opts: PlannedDiffOptions,
): Promise<Omit<ObjectDiff, 'ref' | 'source'> | undefined> {
  const { client, signal, fieldManager } = opts;
  const live = await client.get(p.ref, { signal });
  if (!live) return undefined;
  let conflicts: FieldConflict[] | undefined;
  let next: KubeObject;
  try {
    next = await client.apply(p.manifest, { fieldManager, dryRun: true, signal });
  } catch (err) {
    if (!isKubeError(err) || err.code !== 'field_conflict') throw err;
    // Another manager changed fields Tether owned (and took them over): what would forcing change?
    conflicts = err.details.conflicts ?? [];
    next = await client.apply(p.manifest, { fieldManager, dryRun: true, force: true, signal });
  }
  const changes = fieldChanges(live, next);
  return {
    action: changes.length > 0 || conflicts ? 'change' : 'unchanged',
    ...(changes.length > 0 ? { changes } : {}),
    ...(conflicts ? { conflicts } : {}),
  };
}

export async function diffBundle(opts: DiffBundleOptions): Promise<DiffResult> {
  const { client, signal } = opts;
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  const { planned, notDryRunnable } = await planForDiff(opts);
  const objects: ObjectDiff[] = [];
  for (const p of planned) {
    const base = { ref: p.ref, ...(p.source ? { source: p.source } : {}) };
    const d = notDryRunnable.has(p) ? undefined : await diffObject(p, { client, fieldManager, signal });
    objects.push(d ? { ...base, ...d } : { ...base, action: 'create' });
  }
  if (opts.prune === false) return { objects, skipped: [] };
  const plan = await planPrune({
    client,
    application: opts.application,
    destinationNamespace: opts.destinationNamespace,
    inventory: opts.inventory ?? [],
    desired: planned.map((p) => p.ref),
    fieldManager,
    signal,
  });
  for (const c of plan.prune) objects.push({ ref: c.ref, action: 'prune', reason: c.reason });
  return { objects, skipped: [...plan.skipped, ...plan.retained] };
}
