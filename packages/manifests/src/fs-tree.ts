// A TreeReader over a local directory: for tests, tools and anything already checked out.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ManifestError } from './errors.ts';
import { normalizeTreePath, type TreeListing, type TreeReader } from './tree.ts';

export function fsTree(root: string): TreeReader {
  const full = (p: string) => join(root, normalizeTreePath(p));
  return {
    description: root,
    async stat(path) {
      try {
        const s = await lstat(full(path));
        if (s.isDirectory()) return 'dir';
        return s.isFile() ? 'file' : undefined;
      } catch {
        return undefined;
      }
    },
    async listFiles(dir): Promise<TreeListing> {
      const base = full(dir);
      const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
      const files: string[] = [];
      const ignored: string[] = [];
      for (const e of entries) {
        if (e.isDirectory()) continue;
        const rel = relative(root, join(e.parentPath, e.name)).split(sep).join('/');
        if (rel.split('/').includes('.git')) continue;
        (e.isFile() ? files : ignored).push(rel);
      }
      return { files: files.sort(), ignored: ignored.sort() };
    },
    async readFiles(paths) {
      const out = new Map<string, Buffer>();
      for (const p of paths) {
        try {
          out.set(normalizeTreePath(p), await readFile(full(p)));
        } catch {
          throw new ManifestError('path_not_found', `${p} not found in ${root}`, { file: p });
        }
      }
      return out;
    },
  };
}
