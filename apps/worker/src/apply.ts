// Step 2 of an attempt: sync the rendered bundle to the target's cluster (@tether/kube's syncBundle,
// the same step the pull agent runs) with the credentials from the database. Never throws for a cluster failure: the outcome carries the
// per-object results so far and the KubeError that stopped the apply.
import type { Logger } from '@tether/core';
import {
  type Db,
  getClusterCredentials,
  lastAppliedObjects,
  type TargetObjectResult,
  type TargetWork,
} from '@tether/db';
import { connectCluster, inventoryOf, type KubeError, type SyncObjectResult, syncBundle } from '@tether/kube';
import type { RenderedObject } from '@tether/manifests';
import { AttemptError } from './failure.ts';

export interface ApplyInput {
  db: Db;
  work: TargetWork;
  objects: RenderedObject[];
  kubeTimeoutMs: number;
  /** How long applied workloads get to become healthy before the target fails. */
  healthTimeoutMs: number;
  logger: Logger;
  signal: AbortSignal;
}

export type ApplyOutcome =
  | { ok: true; objects: TargetObjectResult[] }
  | { ok: false; objects: TargetObjectResult[]; error: KubeError };

export async function applyToCluster(input: ApplyInput): Promise<ApplyOutcome> {
  const { work, logger } = input;
  const creds = await getClusterCredentials(input.db, work.clusterId);
  if (!creds.server) {
    throw new AttemptError('invalid_config', `cluster "${creds.name}" has no API server URL`, false);
  }
  // connectCluster throws KubeError invalid_config (permanent) for settings that cannot work.
  const client = connectCluster(
    {
      server: creds.server,
      token: creds.token ?? undefined,
      caData: creds.caData ?? undefined,
      insecureSkipTLSVerify: creds.insecureSkipTLSVerify,
    },
    { timeoutMs: input.kubeTimeoutMs, logger },
  );
  const app = work.deployment.application;
  try {
    const inventory = inventoryOf(
      (await lastAppliedObjects(input.db, app.id, work.clusterId)).map((o) => ({
        ...o,
        namespace: o.namespace ?? undefined,
      })),
    );
    const res = await syncBundle({
      client,
      objects: input.objects,
      application: app.name,
      destinationNamespace: work.namespace,
      syncPolicy: { createNamespace: app.createNamespace, prune: app.prune },
      inventory,
      healthTimeoutMs: input.healthTimeoutMs,
      // A self-heal re-asserts the desired state over whoever changed it behind Tether's back;
      // every other deployment fails on a conflict and names the other manager.
      force: work.deployment.trigger === 'selfheal',
      logger,
      signal: input.signal,
    });
    const objects = res.objects.map(toRecord);
    return res.ok ? { ok: true, objects } : { ok: false, objects, error: res.error };
  } finally {
    await client.close().catch((err: unknown) => logger.warn({ err }, 'closing the cluster client failed'));
  }
}

function toRecord(r: SyncObjectResult): TargetObjectResult {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    namespace: r.namespace ?? null,
    name: r.name,
    action: r.action,
    ...(r.message ? { message: r.message } : {}),
  };
}
