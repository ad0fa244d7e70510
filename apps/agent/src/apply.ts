// The apply step of a job: @tether/kube's syncBundle, the very step the push worker runs
// (namespace created or required, server-side apply, prune or orphans, health wait), with the
// inventory the control plane sends and the results in the wire's per-object report form.
import type { Logger } from '@tether/core';
import {
  inventoryKey,
  type KubeClient,
  type KubeError,
  type SyncObjectResult,
  syncBundle,
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
  const { job } = input;
  const res = await syncBundle({
    client: input.client,
    objects: input.objects,
    application: job.application,
    destinationNamespace: job.namespace,
    syncPolicy: { createNamespace: job.syncPolicy.createNamespace, prune: job.syncPolicy.prune },
    // Without an inventory from the control plane, prune still finds what carries the
    // application's labels in the kinds the bundle has.
    inventory: (job.inventory ?? []).map((ref) => ({ key: inventoryKey(ref), ...ref })),
    healthTimeoutMs: input.healthTimeoutMs,
    // A self-heal takes back the fields another manager changed (as the push worker does).
    ...(job.force ? { force: true } : {}),
    logger: input.logger,
    signal: input.signal,
  });
  const objects = res.objects.map(toReport);
  return res.ok ? { ok: true, objects } : { ok: false, objects, error: res.error };
}

/** The wire's per-object report; `error` carries the failure, or the reason a prune skipped it. */
function toReport(r: SyncObjectResult): ObjectReport {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    action: r.action,
    ...(r.message ? { error: r.message } : {}),
  };
}
