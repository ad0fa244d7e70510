// The Ed25519 key bundles are signed with. From config (TETHER_SIGNING_KEY), or generated at first
// start into <dataDir>/signing-key.pem (0600). Several processes may start at once on one data
// dir: each writes a candidate to a temp file and link()s it into place, which fails if the file
// exists, so exactly one key wins, complete, and everyone reads that one.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@tether/core';

export interface Signer {
  /** SPKI PEM: what agents pin and the manifest's Secret carries. */
  readonly publicKeyPem: string;
  /** sha256 (hex) of the public key's SPKI DER: which key made a stored signature. */
  readonly keyId: string;
  /** Ed25519 signature over the exact bytes, base64. */
  sign(bytes: Uint8Array): string;
}

export const SIGNING_KEY_FILE = 'signing-key.pem';

export function signerFromPem(pem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem);
  } catch (err) {
    throw new Error(`signing key: not a PEM private key (${err instanceof Error ? err.message : err})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`signing key: must be Ed25519, got ${key.asymmetricKeyType ?? 'a secret key'}`);
  }
  const pub = createPublicKey(key);
  const der = pub.export({ type: 'spki', format: 'der' });
  return {
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256').update(der).digest('hex'),
    sign: (bytes) => sign(null, bytes, key).toString('base64'),
  };
}

export interface LoadSignerOptions {
  /** TETHER_SIGNING_KEY; when absent the key lives in dataDir. */
  pem?: string | undefined;
  dataDir: string;
  logger: Logger;
}

export async function loadSigner(opts: LoadSignerOptions): Promise<Signer> {
  if (opts.pem) return signerFromPem(opts.pem);
  const file = join(opts.dataDir, SIGNING_KEY_FILE);
  const existing = await readIfExists(file);
  if (existing !== undefined) return signerFromPem(existing);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const candidate = `${file}.${randomUUID()}.tmp`;
  await writeFile(candidate, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(candidate, file);
    opts.logger.info({ file }, 'generated the bundle signing key');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process won the race: its key, whole, is the one.
  } finally {
    await rm(candidate, { force: true });
  }
  const winner = await readIfExists(file);
  if (winner === undefined) throw new Error(`signing key ${file} vanished while starting`);
  return signerFromPem(winner);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
