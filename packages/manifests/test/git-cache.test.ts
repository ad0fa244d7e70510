import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@tether/core';
import { type GitHttpServer, serveGitHttp, type TestRepo } from '@tether/testing/git';
import { bundleDigest, type GitError, renderManifests } from '../src/index.ts';
import { corpusRepo, mirrorCount, newCache, tempDir } from './helpers.ts';

const isCode = (code: string) => (err: unknown) => (err as GitError).code === code;

for (const transport of ['file', 'http'] as const) {
  describe(`git mirror cache over ${transport}`, () => {
    let root: { dir: string; remove: () => Promise<void> };
    let server: GitHttpServer | undefined;
    let repo: TestRepo;
    let url: string;
    let first: string;
    let second: string;

    before(async () => {
      root = await tempDir('tether-origin-');
      ({ repo, sha: first } = await corpusRepo(
        ['guestbook', 'sock-shop', 'kustomize-guestbook', 'pre-post-sync'],
        { parent: root.dir, name: 'shop' },
      ));
      await repo.branch('release');
      await repo.tag('v1');
      await repo.write(
        'apps/guestbook/extra.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n',
      );
      second = await repo.commit('add config map');
      await repo.tag('v2', { annotated: true });
      if (transport === 'http') server = await serveGitHttp(root.dir);
      url = server ? `${server.url}/shop` : repo.url;
    });
    after(async () => {
      await server?.close();
      await root.remove();
    });

    test('resolves branches, tags, HEAD, full and abbreviated SHAs', async () => {
      const cache = tempDir('tether-cache-');
      const { dir, remove } = await cache;
      try {
        const git = newCache(dir);
        assert.equal(await git.resolve(url, 'main'), second);
        assert.equal(await git.resolve(url, 'refs/heads/main'), second);
        assert.equal(await git.resolve(url, 'release'), first);
        assert.equal(await git.resolve(url, 'v1'), first);
        assert.equal(await git.resolve(url, 'v2'), second, 'annotated tags resolve to their commit');
        assert.equal(await git.resolve(url, 'HEAD'), second);
        assert.equal(await git.resolve(url, first), first);
        assert.equal(await git.resolve(url, first.toUpperCase()), first);
        assert.equal(await git.resolve(url, first.slice(0, 8)), first);
        assert.equal(await mirrorCount(dir), 1);
      } finally {
        await remove();
      }
    });

    test('unknown refs fail with ref_not_found', async () => {
      const { dir, remove } = await tempDir('tether-cache-');
      try {
        const git = newCache(dir);
        await assert.rejects(git.resolve(url, 'no-such-branch'), isCode('ref_not_found'));
        await assert.rejects(git.resolve(url, 'abcdef1234'), isCode('ref_not_found'));
        await assert.rejects(git.resolve(url, 'f'.repeat(40)), isCode('ref_not_found'));
        await assert.rejects(git.readTree(url, '0123456789'.repeat(4)), isCode('ref_not_found'));
        await assert.rejects(git.resolve(url, '--upload-pack=touch /tmp/x'), isCode('ref_not_found'));
      } finally {
        await remove();
      }
    });

    test('reads and renders an application at a commit without a checkout', async () => {
      const { dir, remove } = await tempDir('tether-cache-');
      try {
        const git = newCache(dir);
        const tree = await git.readTree(url, first);
        const { objects } = await renderManifests({ tree, path: 'apps/guestbook', logger: silentLogger() });
        assert.deepEqual(
          objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name} ${o.source.file}`),
          [
            'Deployment/guestbook-ui apps/guestbook/guestbook-ui-deployment.yaml',
            'Service/guestbook-ui apps/guestbook/guestbook-ui-svc.yaml',
          ],
        );
        const shop = await renderManifests({ tree, path: 'apps/sock-shop', logger: silentLogger() });
        assert.equal(shop.objects.length, 29);
        // A kustomization whose base lies outside the application's path.
        const hooks = await renderManifests({ tree, path: 'apps/pre-post-sync', logger: silentLogger() });
        assert.deepEqual(
          hooks.objects.map((o) => o.manifest.metadata.name),
          [
            'pre-post-sync-before',
            'pre-post-sync-after',
            'pre-post-sync-kustomize-guestbook-ui',
            'pre-post-sync-kustomize-guestbook-ui',
          ],
        );
        const later = await git.readTree(url, second);
        const { objects: more } = await renderManifests({
          tree: later,
          path: 'apps/guestbook/',
          logger: silentLogger(),
        });
        assert.equal(more.length, 3);
        await assert.rejects(
          renderManifests({ tree, path: 'apps/missing', logger: silentLogger() }),
          isCode('path_not_found'),
        );
      } finally {
        await remove();
      }
    });

    test('fetches commits pushed after the mirror was made, on demand', async () => {
      const { dir, remove } = await tempDir('tether-cache-');
      try {
        const git = newCache(dir);
        assert.equal(await git.resolve(url, 'main'), second);
        await repo.write(
          'apps/guestbook/later.yaml',
          'apiVersion: v1\nkind: Secret\nmetadata: {name: later}\n',
        );
        const third = await repo.commit('later');
        assert.equal(await git.resolve(url, 'main'), third);
        await repo.write(
          'apps/guestbook/later.yaml',
          'apiVersion: v1\nkind: Secret\nmetadata: {name: later2}\n',
        );
        const fourth = await repo.commit('later still');
        // Straight to readTree with a SHA the mirror has never seen (as from a webhook).
        const files = await (await git.readTree(url, fourth)).readFiles(['apps/guestbook/later.yaml']);
        assert.match(files.get('apps/guestbook/later.yaml')?.toString() ?? '', /later2/);
        await repo.git(['reset', '-q', '--hard', second]);
      } finally {
        await remove();
      }
    });

    test('many concurrent jobs share one mirror and one fetch', async () => {
      const { dir, remove } = await tempDir('tether-cache-');
      try {
        const git = newCache(dir);
        const digests = await Promise.all(
          Array.from({ length: 16 }, async (_, i) => {
            const sha = await git.resolve(url, i % 2 === 0 ? 'main' : second);
            const tree = await git.readTree(url, sha);
            const { objects } = await renderManifests({
              tree,
              path: 'apps/sock-shop',
              logger: silentLogger(),
            });
            return bundleDigest(objects);
          }),
        );
        assert.equal(new Set(digests).size, 1);
        assert.equal(await mirrorCount(dir), 1);
        assert.deepEqual(git.stats, { fetches: 1, mirrorsCreated: 1 });
      } finally {
        await remove();
      }
    });

    test('changedPaths lists files changed between two commits, or all files without a base', async () => {
      const { dir, remove } = await tempDir('tether-cache-');
      try {
        const git = newCache(dir);
        assert.deepEqual(await git.changedPaths(url, first, second), ['apps/guestbook/extra.yaml']);
        const all = await git.changedPaths(url, '0'.repeat(40), second);
        const expected = (await repo.git(['ls-tree', '-r', '--name-only', second])).split('\n');
        assert.deepEqual(all, expected.sort());
        assert.equal(all.length, 2 + 1 + 30 + 3 + 3);
        assert.deepEqual(await git.changedPaths(url, undefined, second), all);
        assert.deepEqual(await git.changedPaths(url, 'e'.repeat(40), second), all);
        assert.deepEqual(await git.changedPaths(url, second, first), ['apps/guestbook/extra.yaml']);
      } finally {
        await remove();
      }
    });
  });
}
