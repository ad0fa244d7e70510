// API tokens. The plaintext is shown once at creation; only its sha256 is stored, so a token is
// found by hashing what the caller presents (no timing-sensitive comparison of secrets).
import { createHash, randomBytes } from 'node:crypto';
import { newId } from '@tether/core';
import type { Prisma } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { NotFoundError } from '../errors.ts';
import { type Page, type PageOptions, pageSize, toPage } from './page.ts';

export const API_TOKEN_SECRETS = { tokenHash: true } as const satisfies Prisma.ApiTokenOmit;
export type ApiTokenRecord = Prisma.ApiTokenGetPayload<{ omit: typeof API_TOKEN_SECRETS }>;

export const API_TOKEN_PREFIX = 'tether_';
/** How far lastUsedAt may lag, to spare a write on every request. */
export const TOUCH_INTERVAL_MS = 60_000;

export function hashSecret(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/** A fresh random secret: `<prefix><43 base64url chars>` (256 bits). */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export interface CreateApiTokenInput {
  name: string;
  scopes: string[];
  expiresAt?: Date | null;
}

export function createApiToken(
  db: DbTx,
  input: CreateApiTokenInput,
  ctx: AuditContext,
): Promise<{ token: ApiTokenRecord; plaintext: string }> {
  return withTx(db, async (tx) => {
    const plaintext = newSecret(API_TOKEN_PREFIX);
    const token = await tx.apiToken.create({
      data: {
        id: newId('token'),
        name: input.name,
        tokenHash: hashSecret(plaintext),
        prefix: plaintext.slice(0, API_TOKEN_PREFIX.length + 6),
        scopes: input.scopes,
        expiresAt: input.expiresAt ?? null,
      },
      omit: API_TOKEN_SECRETS,
    });
    await appendAudit(tx, {
      ...ctx,
      type: 'token.created',
      data: { tokenId: token.id, name: token.name, prefix: token.prefix, scopes: token.scopes },
    });
    return { token, plaintext };
  });
}

/** The live (not revoked, not expired) token for this plaintext, or null. */
export async function verifyApiToken(
  db: DbTx,
  plaintext: string,
  now: Date = new Date(),
): Promise<ApiTokenRecord | null> {
  if (!plaintext.startsWith(API_TOKEN_PREFIX)) return null;
  const token = await db.apiToken.findUnique({
    where: { tokenHash: hashSecret(plaintext) },
    omit: API_TOKEN_SECRETS,
  });
  if (token === null || token.revokedAt !== null) return null;
  if (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime()) return null;
  return token;
}

/** Records use, at most once per TOUCH_INTERVAL_MS. */
export async function touchApiToken(db: DbTx, id: string, now: Date = new Date()): Promise<void> {
  await db.apiToken.updateMany({
    where: {
      id,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - TOUCH_INTERVAL_MS) } }],
    },
    data: { lastUsedAt: now },
  });
}

export function revokeApiToken(db: DbTx, id: string, ctx: AuditContext): Promise<ApiTokenRecord> {
  return withTx(db, async (tx) => {
    const current = await tx.apiToken.findUnique({ where: { id }, omit: API_TOKEN_SECRETS });
    if (current === null) throw new NotFoundError('token', id);
    if (current.revokedAt !== null) return current;
    const token = await tx.apiToken.update({
      where: { id },
      data: { revokedAt: new Date() },
      omit: API_TOKEN_SECRETS,
    });
    await appendAudit(tx, { ...ctx, type: 'token.revoked', data: { tokenId: id, name: token.name } });
    return token;
  });
}

export async function listApiTokens(db: DbTx, opts: PageOptions = {}): Promise<Page<ApiTokenRecord>> {
  const size = pageSize(opts.limit);
  const rows = await db.apiToken.findMany({
    where: opts.cursor ? { id: { lt: opts.cursor } } : {},
    orderBy: { id: 'desc' },
    take: size + 1,
    omit: API_TOKEN_SECRETS,
  });
  return toPage(rows, size, (r) => r.id);
}
