// Deployments: one per sync request, fanned out into a target per destination cluster, created
// with their audit events in one transaction.
import { newId } from '@tether/core';
import type {
  ClusterMode,
  Deployment,
  DeploymentStatus,
  DeploymentTarget,
  Prisma,
  TriggerType,
} from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type Page, type PageOptions, pageSize, toPage } from './page.ts';
import { cancelTarget } from './targets.ts';

export type DeploymentTargetRecord = DeploymentTarget & { clusterName: string; clusterMode: ClusterMode };
export type DeploymentRecord = Deployment & { applicationName: string; targets: DeploymentTargetRecord[] };

export interface CreateDeploymentInput {
  applicationId: string;
  /** The ref asked for; `sha` is the commit it resolved to. */
  revision: string;
  sha: string;
  trigger: TriggerType;
  /** trigger=rollback: the deployment whose commit is redeployed. */
  rollbackOfId?: string | null;
  /** Only these clusters (ids) of the application's destinations; default all of them. */
  clusterIds?: string[];
  /** Mark the application's targets still queued on the same clusters as superseded. */
  supersede?: boolean;
}

const WITH_NAMES = {
  application: { select: { name: true } },
  targets: {
    orderBy: { cluster: { name: 'asc' } },
    include: { cluster: { select: { name: true, mode: true } } },
  },
} as const satisfies Prisma.DeploymentInclude;

type Loaded = Prisma.DeploymentGetPayload<{ include: typeof WITH_NAMES }>;

function view(d: Loaded): DeploymentRecord {
  const { application, targets, ...rest } = d;
  return {
    ...rest,
    applicationName: application.name,
    targets: targets.map(({ cluster, ...t }) => ({
      ...t,
      clusterName: cluster.name,
      clusterMode: cluster.mode,
    })),
  };
}

export function createDeployment(
  db: DbTx,
  input: CreateDeploymentInput,
  ctx: AuditContext,
): Promise<DeploymentRecord> {
  return withTx(db, async (tx) => {
    const app = await tx.application.findFirst({
      where: { id: input.applicationId, deletedAt: null },
      include: { destinations: { include: { cluster: { select: { name: true, deletedAt: true } } } } },
    });
    if (app === null) throw new NotFoundError('application', input.applicationId);
    let destinations = app.destinations.filter((d) => d.cluster.deletedAt === null);
    if (input.clusterIds !== undefined) {
      const wanted = new Set(input.clusterIds);
      const unknown = [...wanted].filter((id) => !destinations.some((d) => d.clusterId === id));
      if (unknown.length > 0) {
        throw new NotFoundError('destination', unknown.join(', '), {
          application: app.name,
          clusterIds: unknown,
        });
      }
      destinations = destinations.filter((d) => wanted.has(d.clusterId));
    }
    if (destinations.length === 0) {
      throw new ConflictError(`application "${app.name}" has no destination to deploy to`, {
        application: app.name,
      });
    }
    if (input.rollbackOfId) {
      const of = await tx.deployment.findFirst({ where: { id: input.rollbackOfId, applicationId: app.id } });
      if (of === null) throw new NotFoundError('deployment', input.rollbackOfId, { application: app.name });
    }

    // Lock what superseding will touch before the first audit append takes the ledger lock, so
    // no transaction ever waits for a row while holding that lock (see audit.ts).
    const clusterIds = destinations.map((d) => d.clusterId);
    const stale = input.supersede
      ? await tx.deploymentTarget.findMany({
          where: { status: 'queued', clusterId: { in: clusterIds }, deployment: { applicationId: app.id } },
          select: { id: true, deploymentId: true },
          orderBy: { id: 'asc' },
        })
      : [];
    if (stale.length > 0) {
      const ids = [...new Set(stale.map((s) => s.deploymentId))].sort();
      await tx.$queryRaw`SELECT id FROM "Deployment" WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`;
    }

    const id = newId('deployment');
    const targets = destinations.map((d) => ({
      id: newId('target'),
      clusterId: d.clusterId,
      namespace: d.namespace,
      clusterName: d.cluster.name,
    }));
    await tx.deployment.create({
      data: {
        id,
        applicationId: app.id,
        revision: input.revision,
        sha: input.sha,
        trigger: input.trigger,
        actorType: ctx.actor.type,
        actorName: ctx.actor.name,
        deliveryId: ctx.deliveryId ?? null,
        rollbackOfId: input.rollbackOfId ?? null,
        targets: { create: targets.map(({ clusterName: _n, ...t }) => t) },
      },
    });
    for (const s of stale)
      await cancelTarget(tx, s.id, ctx, { superseded: true, reason: `superseded by ${id}` });
    await appendAudit(tx, {
      ...ctx,
      type: 'deployment.created',
      applicationId: app.id,
      deploymentId: id,
      sha: input.sha,
      data: {
        application: app.name,
        revision: input.revision,
        trigger: input.trigger,
        rollbackOfId: input.rollbackOfId ?? null,
        targets: targets.map((t) => ({ id: t.id, cluster: t.clusterName, namespace: t.namespace })),
        superseded: stale.map((s) => s.id),
      },
    });
    for (const t of targets) {
      await appendAudit(tx, {
        ...ctx,
        type: 'target.queued',
        applicationId: app.id,
        deploymentId: id,
        targetId: t.id,
        clusterId: t.clusterId,
        sha: input.sha,
        data: { cluster: t.clusterName, namespace: t.namespace },
      });
    }
    return getDeployment(tx, id);
  });
}

export async function getDeployment(db: DbTx, id: string): Promise<DeploymentRecord> {
  const d = await db.deployment.findUnique({ where: { id }, include: WITH_NAMES });
  if (d === null) throw new NotFoundError('deployment', id);
  return view(d);
}

export interface ListDeploymentsOptions extends PageOptions {
  applicationId?: string;
  status?: DeploymentStatus;
}

/** Newest first, with targets. */
export async function listDeployments(
  db: DbTx,
  opts: ListDeploymentsOptions = {},
): Promise<Page<DeploymentRecord>> {
  const size = pageSize(opts.limit);
  const rows = await db.deployment.findMany({
    where: {
      ...(opts.applicationId !== undefined ? { applicationId: opts.applicationId } : {}),
      ...(opts.status !== undefined ? { status: opts.status } : {}),
      ...(opts.cursor ? { id: { lt: opts.cursor } } : {}),
    },
    orderBy: { id: 'desc' },
    take: size + 1,
    include: WITH_NAMES,
  });
  return toPage(rows.map(view), size, (r) => r.id);
}
