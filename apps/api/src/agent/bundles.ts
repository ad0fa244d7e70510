// Bundles: what an agent applies, rendered here by the same code as the push path (mirror cache →
// renderManifests → apply order), as the exact bytes of their canonical JSON. Stored once by
// digest in PostgreSQL, so any replica serves any bundle, and signed with the process's key.
import { createHash } from 'node:crypto';
import { findBundle, findBundleFor, resignBundle, saveBundle, type TargetWork } from '@tether/db';
import { canonicalJson, orderForApply, redact, renderManifests } from '@tether/manifests';
import type { PullContext } from './context.ts';

export interface BundleRef {
  digest: string;
  signature: string;
}

type Ctx = Pick<PullContext, 'db' | 'mirrors' | 'signer' | 'logger'>;

/** The signed bundle of a target's application at its deployment's commit; renders it if new. */
export async function ensureBundle(ctx: Ctx, work: TargetWork): Promise<BundleRef> {
  const { application, sha } = work.deployment;
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
