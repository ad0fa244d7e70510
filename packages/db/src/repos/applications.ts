// Applications and their destinations. Soft delete like clusters; the webhook secret is only
// returned by findApplicationsForPush, which the webhook handler needs to check signatures.
import { newId, normalizeRepoUrl, TetherError } from '@tether/core';
import type { Prisma } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, type Tx, withTx } from '../client.ts';
import { AlreadyExistsError, ConflictError, isUniqueViolation, NotFoundError } from '../errors.ts';
import { type Page, type PageOptions, pageSize, toPage } from './page.ts';

export const APPLICATION_SECRETS = { webhookSecret: true } as const satisfies Prisma.ApplicationOmit;

export interface DestinationView {
  id: string;
  clusterId: string;
  clusterName: string;
  namespace: string;
}

export type ApplicationRecord = Prisma.ApplicationGetPayload<{ omit: typeof APPLICATION_SECRETS }> & {
  hasWebhookSecret: boolean;
  destinations: DestinationView[];
};

export interface DestinationInput {
  /** Cluster name. */
  cluster: string;
  namespace: string;
}

export interface SyncPolicyInput {
  automated?: boolean;
  prune?: boolean;
  selfHeal?: boolean;
  createNamespace?: boolean;
}

export interface CreateApplicationInput extends SyncPolicyInput {
  name: string;
  repoUrl: string;
  path: string;
  targetRevision: string;
  webhookSecret?: string | null;
  destinations: DestinationInput[];
}

export type UpdateApplicationInput = Partial<Omit<CreateApplicationInput, 'name'>>;

const WITH_DESTINATIONS = {
  destinations: {
    orderBy: { cluster: { name: 'asc' } },
    include: { cluster: { select: { name: true } } },
  },
} as const satisfies Prisma.ApplicationInclude;

type Loaded = Prisma.ApplicationGetPayload<{ include: typeof WITH_DESTINATIONS }>;

function view(app: Loaded): ApplicationRecord {
  const { webhookSecret, destinations, ...rest } = app;
  return {
    ...rest,
    hasWebhookSecret: webhookSecret !== null,
    destinations: destinations.map((d) => ({
      id: d.id,
      clusterId: d.clusterId,
      clusterName: d.cluster.name,
      namespace: d.namespace,
    })),
  };
}

async function resolveDestinations(
  tx: Tx,
  destinations: DestinationInput[],
): Promise<{ clusterId: string; namespace: string }[]> {
  const names = destinations.map((d) => d.cluster);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new TetherError('invalid_request', `cluster "${dup}" is listed twice; one namespace per cluster`, {
      cluster: dup,
    });
  }
  const clusters = await tx.cluster.findMany({
    where: { name: { in: names }, deletedAt: null },
    select: { id: true, name: true },
  });
  return destinations.map((d) => {
    const c = clusters.find((x) => x.name === d.cluster);
    if (c === undefined) throw new NotFoundError('cluster', d.cluster);
    return { clusterId: c.id, namespace: d.namespace };
  });
}

async function load(tx: DbTx, where: Prisma.ApplicationWhereInput, key: string): Promise<ApplicationRecord> {
  const app = await tx.application.findFirst({ where, include: WITH_DESTINATIONS });
  if (app === null) throw new NotFoundError('application', key);
  return view(app);
}

export function createApplication(
  db: DbTx,
  input: CreateApplicationInput,
  ctx: AuditContext,
): Promise<ApplicationRecord> {
  return withTx(db, async (tx) => {
    const destinations = await resolveDestinations(tx, input.destinations);
    const id = newId('application');
    try {
      await tx.application.create({
        data: {
          id,
          name: input.name,
          repoUrl: input.repoUrl,
          repoUrlNormalized: normalizeRepoUrl(input.repoUrl),
          path: input.path,
          targetRevision: input.targetRevision,
          automated: input.automated ?? false,
          prune: input.prune ?? false,
          selfHeal: input.selfHeal ?? false,
          createNamespace: input.createNamespace ?? false,
          webhookSecret: input.webhookSecret ?? null,
          destinations: { create: destinations.map((d) => ({ id: newId('destination'), ...d })) },
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError('application', input.name, { cause: err });
      throw err;
    }
    const app = await load(tx, { id }, input.name);
    await appendAudit(tx, {
      ...ctx,
      type: 'application.created',
      applicationId: id,
      data: {
        name: app.name,
        repoUrl: app.repoUrl,
        path: app.path,
        targetRevision: app.targetRevision,
        destinations: app.destinations.map((d) => ({ cluster: d.clusterName, namespace: d.namespace })),
      },
    });
    return app;
  });
}

export async function listApplications(db: DbTx, opts: PageOptions = {}): Promise<Page<ApplicationRecord>> {
  const size = pageSize(opts.limit);
  const rows = await db.application.findMany({
    where: { deletedAt: null, ...(opts.cursor ? { id: { lt: opts.cursor } } : {}) },
    orderBy: { id: 'desc' },
    take: size + 1,
    include: WITH_DESTINATIONS,
  });
  return toPage(rows.map(view), size, (r) => r.id);
}

export function getApplicationByName(db: DbTx, name: string): Promise<ApplicationRecord> {
  return load(db, { name, deletedAt: null }, name);
}

/** By id, deleted or not. */
export function getApplicationById(db: DbTx, id: string): Promise<ApplicationRecord> {
  return load(db, { id }, id);
}

/** Changes the given fields; `destinations`, when present, replaces the whole set. */
export function updateApplication(
  db: DbTx,
  name: string,
  patch: UpdateApplicationInput,
  ctx: AuditContext,
): Promise<ApplicationRecord> {
  return withTx(db, async (tx) => {
    const current = await getApplicationByName(tx, name);
    const data: Prisma.ApplicationUpdateInput = {};
    if (patch.repoUrl !== undefined) {
      data.repoUrl = patch.repoUrl;
      data.repoUrlNormalized = normalizeRepoUrl(patch.repoUrl);
    }
    if (patch.path !== undefined) data.path = patch.path;
    if (patch.targetRevision !== undefined) data.targetRevision = patch.targetRevision;
    if (patch.automated !== undefined) data.automated = patch.automated;
    if (patch.prune !== undefined) data.prune = patch.prune;
    if (patch.selfHeal !== undefined) data.selfHeal = patch.selfHeal;
    if (patch.createNamespace !== undefined) data.createNamespace = patch.createNamespace;
    if (patch.webhookSecret !== undefined) data.webhookSecret = patch.webhookSecret;
    if (patch.destinations !== undefined) {
      const destinations = await resolveDestinations(tx, patch.destinations);
      await tx.applicationDestination.deleteMany({ where: { applicationId: current.id } });
      data.destinations = { create: destinations.map((d) => ({ id: newId('destination'), ...d })) };
    }
    await tx.application.update({ where: { id: current.id }, data });
    const app = await load(tx, { id: current.id }, name);
    // Secrets are never written to the ledger: only whether the webhook secret changed.
    const changed = Object.keys(patch).filter((k) => patch[k as keyof UpdateApplicationInput] !== undefined);
    await appendAudit(tx, {
      ...ctx,
      type: 'application.updated',
      applicationId: app.id,
      data: {
        changed,
        ...(patch.repoUrl !== undefined ? { repoUrl: app.repoUrl } : {}),
        ...(patch.path !== undefined ? { path: app.path } : {}),
        ...(patch.targetRevision !== undefined ? { targetRevision: app.targetRevision } : {}),
        ...(patch.destinations !== undefined
          ? {
              destinations: app.destinations.map((d) => ({ cluster: d.clusterName, namespace: d.namespace })),
            }
          : {}),
      },
    });
    return app;
  });
}

/** Soft delete; refused while one of its deployments is still queued or running. */
export function deleteApplication(db: DbTx, name: string, ctx: AuditContext): Promise<ApplicationRecord> {
  return withTx(db, async (tx) => {
    const app = await getApplicationByName(tx, name);
    const active = await tx.deployment.count({
      where: { applicationId: app.id, status: { in: ['queued', 'running'] } },
    });
    if (active > 0) {
      throw new ConflictError(`application "${name}" has ${active} deployment(s) in progress`, {
        application: name,
        activeDeployments: active,
      });
    }
    await tx.applicationDestination.deleteMany({ where: { applicationId: app.id } });
    await tx.application.update({
      where: { id: app.id },
      data: { deletedAt: new Date(), webhookSecret: null },
    });
    await appendAudit(tx, { ...ctx, type: 'application.deleted', applicationId: app.id, data: { name } });
    return load(tx, { id: app.id }, name);
  });
}

export type PushTarget = ApplicationRecord & { webhookSecret: string | null };

/**
 * Live applications following `branch` of the repository (any URL form; it is normalised) with
 * automated sync on: what a push webhook deploys. Includes the webhook secret for verification.
 */
export async function findApplicationsForPush(
  db: DbTx,
  repoUrl: string,
  branch: string,
): Promise<PushTarget[]> {
  const rows = await db.application.findMany({
    where: {
      repoUrlNormalized: normalizeRepoUrl(repoUrl),
      targetRevision: { in: [branch, `refs/heads/${branch}`] },
      automated: true,
      deletedAt: null,
    },
    orderBy: { id: 'asc' },
    include: WITH_DESTINATIONS,
  });
  return rows.map((r) => ({ ...view(r), webhookSecret: r.webhookSecret }));
}
