import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@tether/core';
import { createTestRepo, type TestRepo } from '@tether/testing/git';
import { GitMirrorCache } from '../src/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CORPUS = resolve(repoRoot, '../shared/corpus/manifests');

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A repository holding corpus apps under `apps/<name>`, one commit. */
export async function corpusRepo(
  apps: string[],
  opts: { parent?: string; name?: string } = {},
): Promise<{ repo: TestRepo; sha: string }> {
  const repo = await createTestRepo(opts);
  for (const app of apps) await repo.copyDir(join(CORPUS, app), `apps/${app}`);
  const sha = await repo.commit('corpus apps');
  return { repo, sha };
}

export function newCache(baseDir: string, opts: { networkTimeoutMs?: number } = {}): GitMirrorCache {
  return new GitMirrorCache({ baseDir, logger: silentLogger(), ...opts });
}

export async function mirrorCount(baseDir: string): Promise<number> {
  const entries = await readdir(join(baseDir, 'mirrors')).catch(() => []);
  return entries.filter((e) => e.endsWith('.git')).length;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
