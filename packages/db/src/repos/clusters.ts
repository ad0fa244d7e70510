// Clusters. Reads never return credentials except getClusterCredentials, which the executors use.
// Deleting is soft: the row stays for history, its credentials are wiped and its name is freed.
import { newId } from '@tether/core';
import type { ClusterMode, Prisma } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { AlreadyExistsError, ConflictError, isUniqueViolation, NotFoundError } from '../errors.ts';
import { type Page, type PageOptions, pageSize, toPage } from './page.ts';

export const CLUSTER_SECRETS = { token: true, caData: true } as const satisfies Prisma.ClusterOmit;

/** A cluster as the API shows it: no token, no CA data. */
export type ClusterRecord = Prisma.ClusterGetPayload<{ omit: typeof CLUSTER_SECRETS }>;

export interface ClusterCredentials {
  id: string;
  name: string;
  mode: ClusterMode;
  server: string | null;
  token: string | null;
  caData: string | null;
  insecureSkipTLSVerify: boolean;
}

export interface CreateClusterInput {
  name: string;
  mode?: ClusterMode;
  server?: string | null;
  token?: string | null;
  caData?: string | null;
  insecureSkipTLSVerify?: boolean;
}

export function createCluster(
  db: DbTx,
  input: CreateClusterInput,
  ctx: AuditContext,
): Promise<ClusterRecord> {
  return withTx(db, async (tx) => {
    let cluster: ClusterRecord;
    try {
      cluster = await tx.cluster.create({
        data: {
          id: newId('cluster'),
          name: input.name,
          mode: input.mode ?? 'push',
          server: input.server ?? null,
          token: input.token ?? null,
          caData: input.caData ?? null,
          insecureSkipTLSVerify: input.insecureSkipTLSVerify ?? false,
        },
        omit: CLUSTER_SECRETS,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError('cluster', input.name, { cause: err });
      throw err;
    }
    await appendAudit(tx, {
      ...ctx,
      type: 'cluster.created',
      clusterId: cluster.id,
      data: { name: cluster.name, mode: cluster.mode, server: cluster.server },
    });
    return cluster;
  });
}

export async function listClusters(
  db: DbTx,
  opts: PageOptions & { includeDeleted?: boolean } = {},
): Promise<Page<ClusterRecord>> {
  const size = pageSize(opts.limit);
  const rows = await db.cluster.findMany({
    where: {
      ...(opts.includeDeleted === true ? {} : { deletedAt: null }),
      ...(opts.cursor ? { id: { lt: opts.cursor } } : {}),
    },
    orderBy: { id: 'desc' },
    take: size + 1,
    omit: CLUSTER_SECRETS,
  });
  return toPage(rows, size, (r) => r.id);
}

/** The live cluster with this name. */
export async function getClusterByName(db: DbTx, name: string): Promise<ClusterRecord> {
  const cluster = await db.cluster.findFirst({ where: { name, deletedAt: null }, omit: CLUSTER_SECRETS });
  if (cluster === null) throw new NotFoundError('cluster', name);
  return cluster;
}

/** By id, deleted or not (history views resolve old ids). */
export async function getClusterById(db: DbTx, id: string): Promise<ClusterRecord> {
  const cluster = await db.cluster.findUnique({ where: { id }, omit: CLUSTER_SECRETS });
  if (cluster === null) throw new NotFoundError('cluster', id);
  return cluster;
}

/** What a push worker needs to reach the API server. Never expose this through the API. */
export async function getClusterCredentials(db: DbTx, clusterId: string): Promise<ClusterCredentials> {
  const c = await db.cluster.findFirst({ where: { id: clusterId, deletedAt: null } });
  if (c === null) throw new NotFoundError('cluster', clusterId);
  return {
    id: c.id,
    name: c.name,
    mode: c.mode,
    server: c.server,
    token: c.token,
    caData: c.caData,
    insecureSkipTLSVerify: c.insecureSkipTLSVerify,
  };
}

/**
 * Soft-deletes a cluster: refused while a live application deploys to it or a target on it is
 * queued or running. Wipes its credentials and revokes its agents in the same transaction.
 */
export function deleteCluster(db: DbTx, name: string, ctx: AuditContext): Promise<ClusterRecord> {
  return withTx(db, async (tx) => {
    const cluster = await getClusterByName(tx, name);
    const users = await tx.applicationDestination.findMany({
      where: { clusterId: cluster.id, application: { deletedAt: null } },
      select: { application: { select: { name: true } } },
    });
    if (users.length > 0) {
      const applications = users.map((u) => u.application.name);
      throw new ConflictError(`cluster "${name}" is a destination of ${applications.join(', ')}`, {
        cluster: name,
        applications,
      });
    }
    const active = await tx.deploymentTarget.count({
      where: { clusterId: cluster.id, status: { in: ['queued', 'running'] } },
    });
    if (active > 0) {
      throw new ConflictError(`cluster "${name}" has ${active} queued or running target(s)`, {
        cluster: name,
        activeTargets: active,
      });
    }
    const now = new Date();
    const deleted = await tx.cluster.update({
      where: { id: cluster.id },
      data: { deletedAt: now, token: null, caData: null },
      omit: CLUSTER_SECRETS,
    });
    await tx.agent.updateMany({
      where: { clusterId: cluster.id, revokedAt: null },
      data: { revokedAt: now },
    });
    await appendAudit(tx, { ...ctx, type: 'cluster.deleted', clusterId: cluster.id, data: { name } });
    return deleted;
  });
}
