// What deploying a revision would change on each push cluster, by server-side apply dry-run.
// Pull clusters cannot be reached from here; their agents will answer (not yet wired).
import { type Logger, TetherError } from '@tether/core';
import { type ApplicationRecord, type Db, getClusterCredentials, lastAppliedObjects } from '@tether/db';
import { connectCluster, diffBundle, inventoryOf, isKubeError, type ObjectDiff } from '@tether/kube';
import { type GitMirrorCache, renderManifests } from '@tether/manifests';

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
  deps: { db: Db; mirrors: GitMirrorCache; logger: Logger; kubeTimeoutMs?: number },
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
  const out: ClusterDiff[] = [];
  for (const d of destinations) {
    const creds = await getClusterCredentials(deps.db, d.clusterId);
    const base = { cluster: d.clusterName, mode: creds.mode, namespace: d.namespace };
    if (creds.mode === 'pull' || !creds.server) {
      out.push({
        ...base,
        error: {
          code: 'not_supported',
          message: 'diff of pull clusters through their agent is not available yet',
        },
      });
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
  return out;
}
