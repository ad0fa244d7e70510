// Signed bundles for pull agents: content-addressed (digest = sha256 of the bytes), stored once
// and served by any API replica. The bytes never change; only the signature is replaced when the
// signing key changes.
import type { Bundle } from '../../generated/prisma/client.ts';
import type { DbTx } from '../client.ts';

export type BundleRecord = Bundle;

export interface BundleInput {
  digest: string;
  content: Uint8Array;
  signature: string;
  keyId: string;
  application: string;
  applicationId: string;
  repoUrl: string;
  path: string;
  sha: string;
  objectCount: number;
}

/** What a bundle's content depends on: the same inputs always render the same bytes. */
export interface BundleKey {
  application: string;
  repoUrl: string;
  path: string;
  sha: string;
}

/** Stores a bundle unless one with its digest exists (then the stored one stays). */
export async function saveBundle(db: DbTx, input: BundleInput): Promise<void> {
  await db.bundle.createMany({
    data: [{ ...input, content: Uint8Array.from(input.content) }],
    skipDuplicates: true,
  });
}

export function findBundle(db: DbTx, digest: string): Promise<BundleRecord | null> {
  return db.bundle.findUnique({ where: { digest } });
}

/** The bundle rendered earlier from exactly these inputs, if any (the newest when several). */
export function findBundleFor(db: DbTx, key: BundleKey): Promise<BundleRecord | null> {
  return db.bundle.findFirst({
    where: { application: key.application, sha: key.sha, repoUrl: key.repoUrl, path: key.path },
    orderBy: { createdAt: 'desc' },
  });
}

/** Replaces the signature after a key change; the content, hence the digest, stays. */
export async function resignBundle(
  db: DbTx,
  digest: string,
  sig: { signature: string; keyId: string },
): Promise<void> {
  await db.bundle.update({ where: { digest }, data: sig });
}

/** Whether any target on this cluster was handed this bundle: what an agent may fetch. */
export async function clusterHasBundle(db: DbTx, clusterId: string, digest: string): Promise<boolean> {
  const found = await db.deploymentTarget.findFirst({
    where: { clusterId, bundleDigest: digest },
    select: { id: true },
  });
  return found !== null;
}
