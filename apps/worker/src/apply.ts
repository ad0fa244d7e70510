// Step 2 of an attempt: server-side apply of the rendered bundle to the target's cluster, with the
// credentials from the database. Never throws for a cluster failure: the outcome carries the
// per-object results so far and the KubeError that stopped the apply.
import type { Logger } from '@tether/core';
import {
  type Db,
  getClusterCredentials,
  lastAppliedObjects,
  type TargetObjectResult,
  type TargetWork,
} from '@tether/db';
import {
  applyBundle,
  connectCluster,
  ensureNamespace,
  FIELD_MANAGER,
  inventoryOf,
  type KubeError,
  type ObjectResult,
  type PruneObjectResult,
  prune,
  waitHealthy,
} from '@tether/kube';
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
  const { signal } = input;
  try {
    const created = await destinationNamespace(input, client);
    const res = await applyBundle({
      client,
      objects: input.objects,
      application: app.name,
      destinationNamespace: work.namespace,
      fieldManager: FIELD_MANAGER,
      signal,
      logger,
      // A self-heal re-asserts the desired state over whoever changed it behind Tether's back;
      // every other deployment fails on a conflict and names the other manager.
      force: work.deployment.trigger === 'selfheal',
    });
    const objects = [...created, ...res.results.map(toRecord)];
    if (!res.ok) {
      if (!res.error) throw new AttemptError('internal', 'apply failed without an error', true);
      return { ok: false, objects, error: res.error };
    }
    // Objects applied before and no longer rendered: deleted with prune, reported orphaned without.
    const inventory = inventoryOf(
      (await lastAppliedObjects(input.db, app.id, work.clusterId)).map((o) => ({
        ...o,
        namespace: o.namespace ?? undefined,
      })),
    );
    const pruned = await prune({
      client,
      application: app.name,
      destinationNamespace: work.namespace,
      inventory,
      desired: input.objects,
      enabled: app.prune,
      logger,
      signal,
    });
    objects.push(...pruned.results.map(toRecord));
    if (!pruned.ok) {
      if (!pruned.error) throw new AttemptError('internal', 'prune failed without an error', true);
      return { ok: false, objects, error: pruned.error };
    }
    const health = await waitHealthy({
      client,
      objects: res.results,
      timeoutMs: input.healthTimeoutMs,
      signal,
    });
    if (!health.healthy && health.error) return { ok: false, objects, error: health.error };
    return { ok: true, objects };
  } finally {
    await client.close().catch((err: unknown) => logger.warn({ err }, 'closing the cluster client failed'));
  }
}

/**
 * The destination namespace must exist: created when the application asks for it (and the bundle
 * does not bring it), otherwise a missing one fails the target with namespace_not_found.
 */
async function destinationNamespace(
  input: ApplyInput,
  client: ReturnType<typeof connectCluster>,
): Promise<TargetObjectResult[]> {
  const name = input.work.namespace;
  const inBundle = input.objects.some(
    (o) =>
      o.manifest.apiVersion === 'v1' && o.manifest.kind === 'Namespace' && o.manifest.metadata.name === name,
  );
  if (inBundle) return [];
  const { created } = await ensureNamespace({
    client,
    name,
    create: input.work.deployment.application.createNamespace,
    signal: input.signal,
  });
  return created ? [{ apiVersion: 'v1', kind: 'Namespace', namespace: null, name, action: 'created' }] : [];
}

function toRecord(r: ObjectResult | PruneObjectResult): TargetObjectResult {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    namespace: r.namespace ?? null,
    name: r.name,
    action: r.action,
    ...(r.error ? { message: r.error.message } : 'reason' in r && r.reason ? { message: r.reason } : {}),
  };
}
