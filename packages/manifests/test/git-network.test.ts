import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestRepo, serveGitHttp } from '@tether/testing/git';
import { buildSshCommand, type GitError } from '../src/index.ts';
import { closedPort, corpusRepo, newCache, tempDir } from './helpers.ts';

const isCode = (code: string) => (err: unknown) => (err as GitError).code === code;

test('a commit already in the mirror needs no network; a branch does', async () => {
  const origin = await tempDir('tether-origin-');
  const cache = await tempDir('tether-cache-');
  const server = await serveGitHttp(origin.dir);
  let closed = false;
  try {
    const { sha } = await corpusRepo(['guestbook'], { parent: origin.dir, name: 'gb' });
    const url = `${server.url}/gb`;
    const git = newCache(cache.dir);
    assert.equal(await git.resolve(url, 'main'), sha);
    await server.close();
    closed = true;
    assert.equal(await git.resolve(url, sha), sha);
    const files = await (await git.readTree(url, sha)).listFiles('apps');
    assert.equal(files.files.length, 2);
    await assert.rejects(git.resolve(url, 'main'), isCode('repo_unreachable'));
  } finally {
    if (!closed) await server.close();
    await origin.remove();
    await cache.remove();
  }
});

test('unreachable repositories fail with repo_unreachable', async () => {
  const cache = await tempDir('tether-cache-');
  try {
    const git = newCache(cache.dir);
    const port = await closedPort();
    await assert.rejects(
      git.resolve(`http://127.0.0.1:${port}/org/repo.git`, 'main'),
      isCode('repo_unreachable'),
    );
    await assert.rejects(
      git.readTree(`http://127.0.0.1:${port}/org/repo`, 'a'.repeat(40)),
      isCode('repo_unreachable'),
    );
    await assert.rejects(git.resolve('file:///nonexistent/tether/repo', 'main'), isCode('repo_unreachable'));
    await assert.rejects(git.resolve('-oProxyCommand=touch /tmp/x', 'main'), isCode('repo_unreachable'));
  } finally {
    await cache.remove();
  }
});

test('a repository with the wrong address under a live server is unreachable, not a missing ref', async () => {
  const origin = await tempDir('tether-origin-');
  const cache = await tempDir('tether-cache-');
  const server = await serveGitHttp(origin.dir);
  try {
    await assert.rejects(
      newCache(cache.dir).resolve(`${server.url}/nope`, 'main'),
      isCode('repo_unreachable'),
    );
  } finally {
    await server.close();
    await origin.remove();
    await cache.remove();
  }
});

test('large fetch requests (gzip-encoded by git) work through the smart HTTP server', async () => {
  const origin = await tempDir('tether-origin-');
  const cache = await tempDir('tether-cache-');
  const server = await serveGitHttp(origin.dir);
  try {
    const repo = await createTestRepo({ parent: origin.dir, name: 'many' });
    await repo.commit('root');
    const tips: string[] = [];
    for (let i = 0; i < 40; i++) {
      await repo.git(['checkout', '-q', '-b', `feature/branch-with-a-long-name-${i}`, 'main']);
      tips.push(await repo.commit(`tip ${i}`));
    }
    const git = newCache(cache.dir);
    const url = `${server.url}/many`;
    // An abbreviated SHA makes the cache fetch every branch: 40 wants in one request body.
    const tip = tips[17] ?? '';
    assert.equal(await git.resolve(url, tip.slice(0, 10)), tip);
    const last = tips[39] ?? '';
    assert.equal(await git.resolve(url, last.slice(0, 10)), last);
  } finally {
    await server.close();
    await origin.remove();
    await cache.remove();
  }
});

test('ssh options become a quoted, non-interactive GIT_SSH_COMMAND', () => {
  assert.equal(buildSshCommand({}), 'ssh -o BatchMode=yes -o ConnectTimeout=15 -o StrictHostKeyChecking=yes');
  assert.equal(
    buildSshCommand({
      privateKeyPath: "/keys/it's key",
      knownHostsPath: '/etc/known hosts',
      connectTimeoutSeconds: 5,
    }),
    "ssh -o BatchMode=yes -o ConnectTimeout=5 -o IdentitiesOnly=yes -i '/keys/it'\\''s key' " +
      "-o 'UserKnownHostsFile=/etc/known hosts' -o StrictHostKeyChecking=yes",
  );
});
