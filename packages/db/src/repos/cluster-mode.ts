// Changing a cluster in place, including moving it between push and pull mode. Its applications,
// deployments and audit history stay; what is still queued for it is returned so the caller can
// put those jobs on the lane of the new mode.
import { TetherError } from '@tether/core';
import type { ClusterMode } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { NotFoundError } from '../errors.ts';
import { CLUSTER_SECRETS, type ClusterRecord } from './clusters.ts';

export interface UpdateClusterInput {
  mode?: ClusterMode;
  server?: string | null;
  token?: string | null;
  caData?: string | null;
  insecureSkipTLSVerify?: boolean;
}

/** A queued target's job payload fields (everything target.sync needs). */
export interface QueuedTarget {
  targetId: string;
  deploymentId: string;
  applicationId: string;
  clusterId: string;
  sha: string;
}

export interface ClusterUpdate {
  cluster: ClusterRecord;
  previousMode: ClusterMode;
  /** Targets queued on this cluster when its mode changed (empty otherwise). */
  queued: QueuedTarget[];
}

const SECRET_FIELDS = new Set(['token', 'caData']);

/**
 * Updates a live cluster under a row lock, audited as cluster.updated (field names only for
 * credentials). A push-mode cluster must end up with an API server URL.
 */
export function updateCluster(
  db: DbTx,
  name: string,
  input: UpdateClusterInput,
  ctx: AuditContext,
): Promise<ClusterUpdate> {
  return withTx(db, async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string; mode: ClusterMode; server: string | null }[]>`
      SELECT id, mode::text AS mode, server FROM "Cluster" WHERE name = ${name} AND "deletedAt" IS NULL FOR UPDATE`;
    if (locked === undefined) throw new NotFoundError('cluster', name);
    const mode = input.mode ?? locked.mode;
    const server = input.server !== undefined ? input.server : locked.server;
    if (mode === 'push' && !server) {
      throw new TetherError('invalid_request', 'body.server: a push-mode cluster needs the API server URL', {
        field: 'body.server',
      });
    }
    const data = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    const cluster = await tx.cluster.update({ where: { id: locked.id }, data, omit: CLUSTER_SECRETS });
    const modeChanged = mode !== locked.mode;
    const queued = modeChanged
      ? (
          await tx.deploymentTarget.findMany({
            where: { clusterId: locked.id, status: 'queued' },
            select: {
              id: true,
              clusterId: true,
              deployment: { select: { id: true, applicationId: true, sha: true } },
            },
            orderBy: { id: 'asc' },
          })
        ).map((t) => ({
          targetId: t.id,
          deploymentId: t.deployment.id,
          applicationId: t.deployment.applicationId,
          clusterId: t.clusterId,
          sha: t.deployment.sha,
        }))
      : [];
    const changed = Object.keys(data);
    await appendAudit(tx, {
      ...ctx,
      type: 'cluster.updated',
      clusterId: locked.id,
      data: {
        name,
        changed,
        ...Object.fromEntries(changed.filter((k) => !SECRET_FIELDS.has(k)).map((k) => [k, data[k]])),
        ...(modeChanged ? { from: { mode: locked.mode }, to: { mode }, queuedTargets: queued.length } : {}),
      },
    });
    return { cluster, previousMode: locked.mode, queued };
  });
}
