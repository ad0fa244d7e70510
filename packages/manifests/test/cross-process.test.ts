import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@tether/core';
import { serveGitHttp } from '@tether/testing/git';
import { type GitError, GitMirrorCache } from '../src/index.ts';
import { corpusRepo, mirrorCount, newCache, tempDir } from './helpers.ts';

const child = fileURLToPath(new URL('./fixtures/child-render.ts', import.meta.url));

interface ChildReport {
  results: { sha: string; count: number; digest: string }[];
  stats: { fetches: number; mirrorsCreated: number };
}

function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ChildReport);
    });
  });
}

test('two processes and this one share a cache directory: one mirror, one fetch in all', async () => {
  const origin = await tempDir('tether-origin-');
  const cache = await tempDir('tether-cache-');
  const server = await serveGitHttp(origin.dir);
  try {
    const { sha } = await corpusRepo(['sock-shop'], { parent: origin.dir, name: 'shop' });
    const url = `${server.url}/shop`;
    const args = [cache.dir, url, 'main', 'apps/sock-shop'];
    const here = newCache(cache.dir);
    const [a, b, local] = await Promise.all([runChild(args), runChild(args), here.resolve(url, 'main')]);
    assert.equal(local, sha);
    const all = [...a.results, ...b.results];
    assert.equal(all.length, 8);
    for (const r of all) assert.deepEqual(r, { sha, count: 29, digest: a.results[0]?.digest });
    assert.equal(await mirrorCount(cache.dir), 1);
    assert.equal(a.stats.fetches + b.stats.fetches + here.stats.fetches, 1);
    assert.equal(a.stats.mirrorsCreated + b.stats.mirrorsCreated + here.stats.mirrorsCreated, 1);
  } finally {
    await server.close();
    await origin.remove();
    await cache.remove();
  }
});

test('a lock left by a dead process is broken; a live holder makes others wait, up to a limit', async () => {
  const cache = await tempDir('tether-cache-');
  try {
    const { repo, sha } = await corpusRepo(['guestbook']);
    try {
      const lockDir = `${newCache(cache.dir).mirrorDir(repo.url).slice(0, -4)}.lock`;
      await mkdir(lockDir, { recursive: true });
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      const owner = (pid: number) => JSON.stringify({ host: hostname(), pid, token: 'someone-else' });
      await writeFile(join(lockDir, 'owner.json'), owner(dead));
      assert.equal(await newCache(cache.dir).resolve(repo.url, 'main'), sha);

      await mkdir(lockDir);
      await writeFile(join(lockDir, 'owner.json'), owner(process.pid));
      const impatient = new GitMirrorCache({ baseDir: cache.dir, logger: silentLogger(), lockWaitMs: 300 });
      await repo.write('apps/x.yaml', 'a: 1\n');
      await repo.commit('needs a fetch');
      await assert.rejects(impatient.resolve(repo.url, 'main'), (err: unknown) => {
        return (err as GitError).code === 'git_timeout';
      });
    } finally {
      await repo.delete();
    }
  } finally {
    await cache.remove();
  }
});
