// What deploying a revision would change on each cluster, by server-side apply dry-run: push
// clusters from here, pull clusters by their agent (through the gateway, answered in the same shape).
import { errorMessage, isTetherError, type Logger, TetherError } from '@tether/core';
import { type ApplicationRecord, type Db, getClusterCredentials, lastAppliedObjects } from '@tether/db';
import { connectCluster, diffBundle, inventoryOf, isKubeError, type ObjectDiff } from '@tether/kube';
import { type GitMirrorCache, renderManifests } from '@tether/manifests';
import type { DiffObject } from '../agent/diffs.ts';
import type { AgentGateway } from '../agent/gateway.ts';

export interface ObjectChangeView {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: string;
  changes?: Array<{ path: string; from?: unknown; to?: unknown }>;
  conflicts?: unknown[];
  reason?: string;
}

export interface ClusterDiff {
  cluster: string;
  mode: 'push' | 'pull';
  namespace: string;
  objects?: ObjectChangeView[];
  error?: { code: string; message: string };
}

function view(d: ObjectDiff): ObjectChangeView {
  return {
    apiVersion: d.ref.apiVersion,
    kind: d.ref.kind,
    ...(d.ref.namespace ? { namespace: d.ref.namespace } : {}),
    name: d.ref.name,
    action: d.action,
    ...(d.changes ? { changes: d.changes } : {}),
    ...(d.conflicts ? { conflicts: d.conflicts } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}

export async function diffApplication(
  deps: {
    db: Db;
    mirrors: GitMirrorCache;
    logger: Logger;
    kubeTimeoutMs?: number;
    /** The pull path; without it pull clusters answer agent_unavailable. */
    pull?: AgentGateway | undefined;
  },
  app: ApplicationRecord,
  sha: string,
  cluster: string | undefined,
): Promise<ClusterDiff[]> {
  const destinations = app.destinations.filter((d) => !cluster || d.clusterName === cluster);
  if (cluster && destinations.length === 0) {
    throw new TetherError(
      'not_found',
      `application "${app.name}" has no destination on cluster "${cluster}"`,
    );
  }
  const tree = await deps.mirrors.readTree(app.repoUrl, sha);
  const { objects } = await renderManifests({ tree, path: app.path, logger: deps.logger });
  const out: Array<ClusterDiff | Promise<ClusterDiff>> = [];
  for (const d of destinations) {
    const creds = await getClusterCredentials(deps.db, d.clusterId);
    const base = { cluster: d.clusterName, mode: creds.mode, namespace: d.namespace };
    if (creds.mode === 'pull' || !creds.server) {
      // Asked now, answered while the push clusters are diffed here.
      out.push(diffPull(deps, app, d, sha).then((answer) => ({ ...base, ...answer })));
      continue;
    }
    const client = connectCluster(
      {
        server: creds.server,
        token: creds.token ?? undefined,
        caData: creds.caData ?? undefined,
        insecureSkipTLSVerify: creds.insecureSkipTLSVerify,
      },
      { timeoutMs: deps.kubeTimeoutMs ?? 15_000, logger: deps.logger },
    );
    try {
      const previous = await lastAppliedObjects(deps.db, app.id, d.clusterId);
      const inventory = inventoryOf(previous.map((o) => ({ ...o, namespace: o.namespace ?? undefined })));
      const diff = await diffBundle({
        client,
        objects,
        application: app.name,
        destinationNamespace: d.namespace,
        inventory,
        prune: true,
      });
      out.push({ ...base, objects: diff.objects.map(view) });
    } catch (err) {
      if (!isKubeError(err)) throw err;
      out.push({ ...base, error: { code: err.code, message: err.message } });
    } finally {
      await client.close().catch(() => {});
    }
  }
  return Promise.all(out);
}

/** Never rejects: a cluster that cannot answer says why in its entry. */
async function diffPull(
  deps: { pull?: AgentGateway | undefined; logger: Logger },
  app: ApplicationRecord,
  d: { clusterId: string; namespace: string },
  sha: string,
): Promise<Pick<ClusterDiff, 'objects' | 'error'>> {
  if (!deps.pull) {
    return { error: { code: 'agent_unavailable', message: 'this API process does not serve agents' } };
  }
  try {
    const answer = await deps.pull.diff({
      application: app,
      sha,
      clusterId: d.clusterId,
      namespace: d.namespace,
    });
    return 'error' in answer ? { error: answer.error } : { objects: answer.objects.map(plain) };
  } catch (err) {
    deps.logger.warn({ err, clusterId: d.clusterId }, 'diff through the agent failed');
    return { error: { code: isTetherError(err) ? err.code : 'internal', message: errorMessage(err) } };
  }
}

/** The agent's objects in the push clusters' shape (no undefined members). */
function plain(o: DiffObject): ObjectChangeView {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    name: o.name,
    action: o.action,
    ...(o.changes ? { changes: o.changes } : {}),
    ...(o.conflicts ? { conflicts: o.conflicts } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  };
}
