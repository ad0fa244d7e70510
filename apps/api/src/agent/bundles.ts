// Bundles: what an agent applies, rendered here by the same code as the push path (mirror cache →
// renderManifests → apply order), as the exact bytes of their canonical JSON. Stored once by
// digest in PostgreSQL, so any replica serves any bundle, and signed with the process's key.
import { createHash } from 'node:crypto';
import type { BundleRef } from '@tether/core';
import { clusterHasBundle, findBundle, findBundleFor, resignBundle, saveBundle } from '@tether/db';
import { canonicalJson, orderForApply, redact, renderManifests } from '@tether/manifests';
import type { PullContext } from './context.ts';

export type { BundleRef };

type Ctx = Pick<PullContext, 'db' | 'mirrors' | 'signer' | 'logger'>;

/** What a bundle is rendered from: an application (its repository and path) at a commit. */
export interface BundleSource {
  application: { id: string; name: string; repoUrl: string; path: string };
  sha: string;
}

/** The signed bundle of an application at a commit (a target's deployment); renders it if new. */
export async function ensureBundle(ctx: Ctx, { application, sha }: BundleSource): Promise<BundleRef> {
  // Credentials in a repository URL never leave the control plane.
  const repoUrl = redact(application.repoUrl);
  const key = { application: application.name, repoUrl, path: application.path, sha };
  const stored = await findBundleFor(ctx.db, key);
  if (stored) return current(ctx, stored.digest, stored.content, stored.keyId, stored.signature);

  const tree = await ctx.mirrors.readTree(application.repoUrl, sha);
  const { objects } = await renderManifests({ tree, path: application.path, logger: ctx.logger });
  const doc = {
    apiVersion: 'tether.dev/v1',
    kind: 'Bundle',
    ...key,
    objects: orderForApply(objects).map((o) => o.manifest),
  };
  const content = Buffer.from(canonicalJson(doc), 'utf8');
  const digest = createHash('sha256').update(content).digest('hex');
  const signature = ctx.signer.sign(content);
  await saveBundle(ctx.db, {
    digest,
    content,
    signature,
    keyId: ctx.signer.keyId,
    ...key,
    applicationId: application.id,
    objectCount: objects.length,
  });
  ctx.logger.debug({ digest, objects: objects.length, application: application.name, sha }, 'bundle stored');
  return { digest, signature };
}

/** A stored bundle's digest and signature by the current key, or undefined. */
export async function signedBundle(ctx: Ctx, digest: string): Promise<BundleRef | undefined> {
  const b = await findBundle(ctx.db, digest);
  return b ? current(ctx, b.digest, b.content, b.keyId, b.signature) : undefined;
}

/**
 * Lets the agents of a cluster fetch a bundle no target of theirs was handed (a diff's, or the
 * render of a revision a push worker applied before the cluster went pull), for ttlMs.
 */
export async function grantBundle(
  ctx: Pick<PullContext, 'redis' | 'settings'>,
  clusterId: string,
  digest: string,
  ttlMs: number,
): Promise<void> {
  await ctx.redis.set(grantKey(ctx, clusterId, digest), '1', 'PX', Math.max(1, Math.round(ttlMs)));
}

/** Whether the cluster's agents may fetch this bundle: handed to one of its targets, or granted. */
export async function clusterMayFetch(
  ctx: Pick<PullContext, 'db' | 'redis' | 'settings'>,
  clusterId: string,
  digest: string,
): Promise<boolean> {
  if (await clusterHasBundle(ctx.db, clusterId, digest)) return true;
  return (await ctx.redis.exists(grantKey(ctx, clusterId, digest))) === 1;
}

function grantKey(ctx: Pick<PullContext, 'settings'>, clusterId: string, digest: string): string {
  return `${ctx.settings.prefix}:agent-gateway:bundle-grant:${clusterId}:${digest}`;
}

/** A stored bundle's bytes and a signature by the current key, or undefined. */
export async function readBundle(
  ctx: Ctx,
  digest: string,
): Promise<{ content: Uint8Array; signature: string } | undefined> {
  const b = await findBundle(ctx.db, digest);
  if (!b) return undefined;
  const { signature } = await current(ctx, b.digest, b.content, b.keyId, b.signature);
  return { content: b.content, signature };
}

/** Ed25519 is deterministic: only a changed key needs a new signature (stored for next time). */
async function current(
  ctx: Ctx,
  digest: string,
  content: Uint8Array,
  keyId: string,
  signature: string,
): Promise<BundleRef> {
  if (keyId === ctx.signer.keyId) return { digest, signature };
  const fresh = ctx.signer.sign(content);
  await resignBundle(ctx.db, digest, { signature: fresh, keyId: ctx.signer.keyId });
  return { digest, signature: fresh };
}
