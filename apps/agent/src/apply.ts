// The apply step of a job, the same steps as the push worker's (apps/worker/src/apply.ts) with the
// shared engine of @tether/kube: destination namespace (created or required), server-side apply,
// prune (or report orphans), then wait for the workloads to become healthy. Never throws for a
// cluster failure: the outcome carries the per-object results so far and the error that stopped it.
import type { Logger } from '@tether/core';
import {
  applyBundle,
  ensureNamespace,
  FIELD_MANAGER,
  inventoryKey,
  type KubeClient,
  type KubeError,
  type ObjectResult,
  type PruneObjectResult,
  prune,
  waitHealthy,
} from '@tether/kube';
import type { KubeObject } from '@tether/manifests';
import type { Job, ObjectReport } from './client.ts';

export interface ApplyInput {
  client: KubeClient;
  job: Job;
  objects: KubeObject[];
  healthTimeoutMs: number;
  logger: Logger;
  signal: AbortSignal;
}

export type ApplyOutcome =
  | { ok: true; objects: ObjectReport[] }
  | { ok: false; objects: ObjectReport[]; error: KubeError };

export async function applyToCluster(input: ApplyInput): Promise<ApplyOutcome> {
  const { client, job, objects: desired, logger, signal } = input;
  const created = await destinationNamespace(input);
  const res = await applyBundle({
    client,
    objects: desired,
    application: job.application,
    destinationNamespace: job.namespace,
    fieldManager: FIELD_MANAGER,
    signal,
    logger,
  });
  const objects = [...created, ...res.results.map(toReport)];
  if (!res.ok) return failed(objects, res.error, 'apply');
  // Objects applied before and no longer rendered: deleted with prune, reported orphaned without.
  // The inventory comes with the job when the control plane sends it; without, prune still finds
  // what carries the application's labels in the kinds the bundle has.
  const pruned = await prune({
    client,
    application: job.application,
    destinationNamespace: job.namespace,
    inventory: (job.inventory ?? []).map((ref) => ({ key: inventoryKey(ref), ...ref })),
    desired,
    enabled: job.syncPolicy.prune,
    logger,
    signal,
  });
  objects.push(...pruned.results.map(toReport));
  if (!pruned.ok) return failed(objects, pruned.error, 'prune');
  const health = await waitHealthy({
    client,
    objects: res.results,
    timeoutMs: input.healthTimeoutMs,
    signal,
  });
  if (!health.healthy && health.error) return { ok: false, objects, error: health.error };
  return { ok: true, objects };
}

/**
 * The destination namespace must exist: created when the application asks for it (and the bundle
 * does not bring it), otherwise a missing one fails the target with namespace_not_found.
 */
async function destinationNamespace(input: ApplyInput): Promise<ObjectReport[]> {
  const name = input.job.namespace;
  const inBundle = input.objects.some(
    (o) => o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata.name === name,
  );
  if (inBundle) return [];
  const { created } = await ensureNamespace({
    client: input.client,
    name,
    create: input.job.syncPolicy.createNamespace,
    signal: input.signal,
  });
  return created ? [{ apiVersion: 'v1', kind: 'Namespace', name, action: 'created' }] : [];
}

function failed(objects: ObjectReport[], error: KubeError | undefined, step: string): ApplyOutcome {
  if (error) return { ok: false, objects, error };
  throw new Error(`${step} failed without an error`);
}

/** The wire's per-object report; `error` carries the failure, or the reason a prune skipped it. */
function toReport(r: ObjectResult | PruneObjectResult): ObjectReport {
  const message = r.error?.message ?? ('reason' in r ? r.reason : undefined);
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    action: r.action,
    ...(message ? { error: message } : {}),
  };
}
