// Nothing reaches the cluster unless the bundle's bytes hash to the digest the job names and carry
// an Ed25519 signature by the pinned control-plane key. Then the bundle must be the one the job is
// about (application, sha), so a validly signed bundle cannot be replayed onto another job.
import { createHash, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { KubeObject } from '@tether/manifests';

export interface PublicKey {
  key: KeyObject;
  /** Normalised SPKI PEM: what is pinned and compared. */
  pem: string;
}

/** Accepts a PEM (real or `\n`-escaped newlines) or base64 of a PEM; must be Ed25519. */
export function parsePublicKey(text: string): PublicKey {
  let pem = text.trim().replace(/\\n/g, '\n');
  if (!pem.startsWith('-----BEGIN')) {
    const decoded = Buffer.from(pem, 'base64').toString('utf8').trim();
    if (!decoded.startsWith('-----BEGIN')) throw new Error('not a PEM public key (nor base64 of one)');
    pem = decoded;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new Error(`unreadable public key: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the signing key must be Ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return { key, pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

export function sameKey(a: PublicKey, b: PublicKey): boolean {
  const da = a.key.export({ type: 'spki', format: 'der' });
  const db = b.key.export({ type: 'spki', format: 'der' });
  return da.length === db.length && timingSafeEqual(da, db);
}

export interface Bundle {
  apiVersion: 'tether.dev/v1';
  kind: 'Bundle';
  application: string;
  path: string;
  repoUrl: string;
  sha: string;
  objects: KubeObject[];
}

/** Why a bundle was refused: the target fails with code `bundle_rejected` and this message. */
export class BundleRejected extends Error {
  readonly check: 'digest' | 'signature' | 'content';
  constructor(check: BundleRejected['check'], message: string) {
    super(message);
    this.name = 'BundleRejected';
    this.check = check;
  }
}

export interface Expected {
  digest: string;
  /** Base64 Ed25519 signatures that must all verify (the job's, and the response header's). */
  signatures: string[];
  application: string;
  sha: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks digest, then signature, then content; returns the parsed bundle or throws BundleRejected. */
export function verifyBundle(bytes: Uint8Array, expected: Expected, key: PublicKey): Bundle {
  const actual = sha256Hex(bytes);
  const want = expected.digest.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(want)) {
    throw new BundleRejected(
      'digest',
      `digest check failed: "${expected.digest}" is not a sha256 hex digest`,
    );
  }
  if (!timingSafeEqual(Buffer.from(actual), Buffer.from(want))) {
    throw new BundleRejected(
      'digest',
      `digest check failed: bundle bytes hash to ${actual}, job names ${want}`,
    );
  }
  const signatures = [...new Set(expected.signatures)];
  if (signatures.length === 0) throw new BundleRejected('signature', 'signature check failed: no signature');
  for (const sig of signatures) {
    const raw = Buffer.from(sig, 'base64');
    // Ed25519 signatures are 64 bytes; anything else (or non-base64) cannot verify.
    if (raw.length !== 64 || !verify(null, bytes, key.key, raw)) {
      throw new BundleRejected(
        'signature',
        'signature check failed: not signed by the pinned control-plane key',
      );
    }
  }
  return parseBundle(bytes, expected);
}

function parseBundle(bytes: Uint8Array, expected: Expected): Bundle {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BundleRejected('content', 'content check failed: the bundle is not JSON');
  }
  if (!isRecord(value) || value.apiVersion !== 'tether.dev/v1' || value.kind !== 'Bundle') {
    throw new BundleRejected('content', 'content check failed: not a tether.dev/v1 Bundle');
  }
  const { application, sha, objects, path, repoUrl } = value;
  if (application !== expected.application || sha !== expected.sha) {
    throw new BundleRejected(
      'content',
      `content check failed: the bundle is for ${String(application)}@${String(sha)}, the job for ${expected.application}@${expected.sha}`,
    );
  }
  // Plain manifests per the protocol; `{manifest, source}` (the renderer's shape) is accepted too.
  const manifests = Array.isArray(objects)
    ? objects.map((o: unknown) => (isRecord(o) && !('apiVersion' in o) ? o.manifest : o))
    : undefined;
  if (!manifests?.every(isKubeObject)) {
    throw new BundleRejected('content', 'content check failed: objects must be Kubernetes objects');
  }
  return {
    apiVersion: 'tether.dev/v1',
    kind: 'Bundle',
    application,
    sha,
    path: typeof path === 'string' ? path : '',
    repoUrl: typeof repoUrl === 'string' ? repoUrl : '',
    objects: manifests,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKubeObject(v: unknown): v is KubeObject {
  return (
    isRecord(v) &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    isRecord(v.metadata) &&
    typeof v.metadata.name === 'string'
  );
}
