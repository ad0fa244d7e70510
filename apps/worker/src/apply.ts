// Step 2 of an attempt: server-side apply of the rendered bundle to the target's cluster, with the
// credentials from the database. Never throws for a cluster failure: the outcome carries the
// per-object results so far and the KubeError that stopped the apply.
import type { Logger } from '@tether/core';
import { type Db, getClusterCredentials, type TargetObjectResult, type TargetWork } from '@tether/db';
import {
  applyBundle,
  connectCluster,
  FIELD_MANAGER,
  type KubeClient,
  type KubeError,
  type ObjectResult,
} from '@tether/kube';
import type { RenderedObject } from '@tether/manifests';
import { AttemptError } from './failure.ts';

export interface ApplyInput {
  db: Db;
  work: TargetWork;
  objects: RenderedObject[];
  kubeTimeoutMs: number;
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
  try {
    const created = work.deployment.application.createNamespace
      ? await ensureNamespace(client, work.namespace, input.objects, input.signal)
      : [];
    const res = await applyBundle({
      client,
      objects: input.objects,
      application: work.deployment.application.name,
      destinationNamespace: work.namespace,
      fieldManager: FIELD_MANAGER,
      signal: input.signal,
      logger,
    });
    const objects = [...created, ...res.results.map(toRecord)];
    if (res.ok) return { ok: true, objects };
    if (!res.error) throw new AttemptError('internal', 'apply failed without an error', true);
    return { ok: false, objects, error: res.error };
  } finally {
    await client.close().catch((err: unknown) => logger.warn({ err }, 'closing the cluster client failed'));
  }
}

/** createNamespace: the destination namespace, unless the bundle brings it. Not labelled as owned. */
async function ensureNamespace(
  client: KubeClient,
  namespace: string,
  objects: RenderedObject[],
  signal: AbortSignal,
): Promise<TargetObjectResult[]> {
  const inBundle = objects.some(
    (o) =>
      o.manifest.apiVersion === 'v1' &&
      o.manifest.kind === 'Namespace' &&
      o.manifest.metadata.name === namespace,
  );
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  if (inBundle || (await client.get(ref, { signal }))) return [];
  await client.apply({ ...ref, metadata: { name: namespace } }, { fieldManager: FIELD_MANAGER, signal });
  return [{ ...ref, namespace: null, action: 'created' }];
}

function toRecord(r: ObjectResult): TargetObjectResult {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    namespace: r.namespace ?? null,
    name: r.name,
    action: r.action,
    ...(r.error ? { message: r.error.message } : {}),
  };
}
