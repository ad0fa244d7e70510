// What rendering reads from: a snapshot of a repository's files. Paths are repository-relative
// POSIX paths without leading `./` or `/`; '' is the root.
import { posix } from 'node:path';
import { ManifestError } from './errors.ts';

export interface TreeListing {
  /** Regular files under the directory, recursively, sorted. */
  files: string[];
  /** Entries that are not regular files (symlinks, submodules); not rendered. */
  ignored: string[];
}

export interface TreeReader {
  /** For messages and logs, e.g. `github.com/org/repo@<sha>`. */
  readonly description: string;
  stat(path: string): Promise<'file' | 'dir' | undefined>;
  listFiles(dir: string): Promise<TreeListing>;
  /** Contents of the given files; a missing file fails with path_not_found. */
  readFiles(paths: readonly string[]): Promise<Map<string, Buffer>>;
}

/** Canonical repository-relative path; refuses paths that leave the repository. */
export function normalizeTreePath(path: string): string {
  const relative = path.replaceAll('\\', '/').replace(/^\/+/, '');
  let p = posix.normalize(relative === '' ? '.' : relative).replace(/\/+$/, '');
  if (p === '.') p = '';
  if (p === '..' || p.startsWith('../')) {
    throw new ManifestError('path_not_found', `path "${path}" leaves the repository`, { file: path });
  }
  return p;
}

export function isUnder(dir: string, file: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}
