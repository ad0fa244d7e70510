// One sync of a rendered bundle to one cluster: the destination namespace (created or required),
// server-side apply, prune (or report orphans), then wait for the workloads to become healthy.
// The push worker and the pull agent both run exactly this; only who calls it differs.
import type { Logger } from '@tether/core';
import type { KubeObject, RenderedObject } from '@tether/manifests';
import { type ApplyAction, applyBundle, type ObjectResult } from './apply.ts';
import type { KubeClient } from './client.ts';
import { KubeError } from './errors.ts';
import { waitHealthy } from './health.ts';
import type { InventoryEntry } from './inventory.ts';
import { FIELD_MANAGER } from './labels.ts';
import { ensureNamespace } from './namespace.ts';
import { type PruneAction, type PruneObjectResult, prune } from './prune.ts';

export interface SyncInput {
  client: KubeClient;
  objects: readonly (RenderedObject | KubeObject)[];
  application: string;
  destinationNamespace: string;
  syncPolicy: { createNamespace: boolean; prune: boolean };
  /** What earlier syncs of this application left on this cluster (prune candidates). */
  inventory: readonly InventoryEntry[];
  healthTimeoutMs: number;
  /** Take fields over from other managers (a self-heal); otherwise a conflict fails and names them. */
  force?: boolean;
  logger: Logger;
  signal: AbortSignal;
}

/** One object's outcome; `message` carries the error, or why prune skipped or orphaned it. */
export interface SyncObjectResult {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ApplyAction | PruneAction;
  message?: string;
}

export type SyncOutcome =
  | { ok: true; objects: SyncObjectResult[] }
  | { ok: false; objects: SyncObjectResult[]; error: KubeError };

export async function syncBundle(input: SyncInput): Promise<SyncOutcome> {
  const { client, logger, signal } = input;
  const objects: SyncObjectResult[] = await destinationNamespace(input);
  const applied = await applyBundle({
    client,
    objects: input.objects,
    application: input.application,
    destinationNamespace: input.destinationNamespace,
    fieldManager: FIELD_MANAGER,
    ...(input.force ? { force: true } : {}),
    signal,
    logger,
  });
  objects.push(...applied.results.map(toResult));
  if (!applied.ok) return failed(objects, applied.error, 'apply');
  // Objects applied before and no longer rendered: deleted with prune, reported orphaned without.
  const pruned = await prune({
    client,
    application: input.application,
    destinationNamespace: input.destinationNamespace,
    inventory: input.inventory,
    desired: input.objects,
    enabled: input.syncPolicy.prune,
    logger,
    signal,
  });
  objects.push(...pruned.results.map(toResult));
  if (!pruned.ok) return failed(objects, pruned.error, 'prune');
  const health = await waitHealthy({
    client,
    objects: applied.results,
    timeoutMs: input.healthTimeoutMs,
    signal,
  });
  if (!health.healthy && health.error) return { ok: false, objects, error: health.error };
  return { ok: true, objects };
}

/** Unless the bundle brings it, the destination namespace must exist or be created on request. */
async function destinationNamespace(input: SyncInput): Promise<SyncObjectResult[]> {
  const name = input.destinationNamespace;
  const inBundle = input.objects.some((o) => {
    const m = (o as Partial<RenderedObject>).manifest ?? (o as KubeObject);
    return m.apiVersion === 'v1' && m.kind === 'Namespace' && m.metadata.name === name;
  });
  if (inBundle) return [];
  const { created } = await ensureNamespace({
    client: input.client,
    name,
    create: input.syncPolicy.createNamespace,
    signal: input.signal,
  });
  return created ? [{ apiVersion: 'v1', kind: 'Namespace', name, action: 'created' }] : [];
}

function failed(objects: SyncObjectResult[], error: KubeError | undefined, step: string): SyncOutcome {
  return {
    ok: false,
    objects,
    error: error ?? new KubeError('internal', `${step} failed without an error`, { transient: true }),
  };
}

function toResult(r: ObjectResult | PruneObjectResult): SyncObjectResult {
  const message = r.error?.message ?? ('reason' in r ? r.reason : undefined);
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    action: r.action,
    ...(message ? { message } : {}),
  };
}
