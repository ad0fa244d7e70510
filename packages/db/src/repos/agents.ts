// Pull-mode agents: an operator mints a one-time bootstrap token for a cluster; the agent trades
// it for a long-lived credential. Only hashes of both are stored.
import { newId, TetherError } from '@tether/core';
import type { Prisma } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { NotFoundError } from '../errors.ts';
import { hashSecret, newSecret } from './tokens.ts';

export const BOOTSTRAP_TOKEN_PREFIX = 'tether_boot_';
export const AGENT_CREDENTIAL_PREFIX = 'tether_agent_';

export const AGENT_SECRETS = { credentialHash: true } as const satisfies Prisma.AgentOmit;
export type AgentRecord = Prisma.AgentGetPayload<{ omit: typeof AGENT_SECRETS }>;
export type BootstrapTokenRecord = Prisma.BootstrapTokenGetPayload<{ omit: { tokenHash: true } }>;

export function createBootstrapToken(
  db: DbTx,
  clusterId: string,
  opts: { ttlMs: number },
  ctx: AuditContext,
): Promise<{ token: BootstrapTokenRecord; plaintext: string }> {
  return withTx(db, async (tx) => {
    const cluster = await tx.cluster.findFirst({
      where: { id: clusterId, deletedAt: null },
      select: { id: true },
    });
    if (cluster === null) throw new NotFoundError('cluster', clusterId);
    const plaintext = newSecret(BOOTSTRAP_TOKEN_PREFIX);
    const token = await tx.bootstrapToken.create({
      data: {
        id: newId('bootstrap'),
        clusterId,
        tokenHash: hashSecret(plaintext),
        expiresAt: new Date(Date.now() + opts.ttlMs),
      },
      omit: { tokenHash: true },
    });
    await appendAudit(tx, {
      ...ctx,
      type: 'agent.bootstrap_created',
      clusterId,
      data: { bootstrapId: token.id, expiresAt: token.expiresAt.toISOString() },
    });
    return { token, plaintext };
  });
}

/**
 * Spends a bootstrap token (once, before it expires) and registers an agent for its cluster.
 * Refused with `unauthorized` for an unknown, used or expired token.
 */
export function registerAgent(
  db: DbTx,
  bootstrapPlaintext: string,
  opts: { version?: string | null; requestId?: string | null } = {},
): Promise<{ agent: AgentRecord; credential: string }> {
  return withTx(db, async (tx) => {
    const now = new Date();
    const token = await tx.bootstrapToken.findUnique({
      where: { tokenHash: hashSecret(bootstrapPlaintext) },
    });
    const spent = token
      ? await tx.bootstrapToken.updateMany({
          where: { id: token.id, usedAt: null, expiresAt: { gt: now } },
          data: { usedAt: now },
        })
      : { count: 0 };
    if (token === null || spent.count !== 1) {
      throw new TetherError('unauthorized', 'bootstrap token is unknown, used or expired');
    }
    const credential = newSecret(AGENT_CREDENTIAL_PREFIX);
    const agent = await tx.agent.create({
      data: {
        id: newId('agent'),
        clusterId: token.clusterId,
        credentialHash: hashSecret(credential),
        version: opts.version ?? null,
        lastSeenAt: now,
      },
      omit: AGENT_SECRETS,
    });
    await appendAudit(tx, {
      actor: { type: 'agent', name: agent.id },
      requestId: opts.requestId ?? null,
      type: 'agent.registered',
      clusterId: token.clusterId,
      data: { agentId: agent.id, bootstrapId: token.id, version: agent.version },
    });
    return { agent, credential };
  });
}

/** The live agent holding this credential (its cluster not deleted), or null. */
export async function verifyAgentCredential(db: DbTx, credential: string): Promise<AgentRecord | null> {
  if (!credential.startsWith(AGENT_CREDENTIAL_PREFIX)) return null;
  const agent = await db.agent.findUnique({
    where: { credentialHash: hashSecret(credential) },
    omit: AGENT_SECRETS,
    include: { cluster: { select: { deletedAt: true } } },
  });
  if (agent === null || agent.revokedAt !== null || agent.cluster.deletedAt !== null) return null;
  const { cluster: _c, ...rest } = agent;
  return rest;
}

/** Heartbeat: last seen now, and the version it reports. */
export async function touchAgent(db: DbTx, agentId: string, version?: string): Promise<void> {
  await db.agent.update({
    where: { id: agentId },
    data: { lastSeenAt: new Date(), ...(version !== undefined ? { version } : {}) },
  });
}

export function revokeAgent(db: DbTx, agentId: string, ctx: AuditContext): Promise<AgentRecord> {
  return withTx(db, async (tx) => {
    const found = await tx.agent.findUnique({ where: { id: agentId }, select: { id: true } });
    if (found === null) throw new NotFoundError('agent', agentId);
    const agent = await tx.agent.update({
      where: { id: agentId },
      data: { revokedAt: new Date() },
      omit: AGENT_SECRETS,
    });
    await appendAudit(tx, { ...ctx, type: 'agent.revoked', clusterId: agent.clusterId, data: { agentId } });
    return agent;
  });
}
