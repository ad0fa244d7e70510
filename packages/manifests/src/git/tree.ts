// Reads one commit straight from the mirror's object store: `ls-tree` lists, one
// `cat-file --batch` reads all blobs. No checkout, so any number of jobs share a mirror.
import { GitError } from '../errors.ts';
import { isUnder, normalizeTreePath, type TreeListing, type TreeReader } from '../tree.ts';
import { runGit } from './exec.ts';

interface LsTreeEntry {
  mode: string;
  type: string;
  path: string;
}

export class GitTree implements TreeReader {
  readonly description: string;
  readonly sha: string;
  private readonly dir: string;
  private readonly timeoutMs: number;

  constructor(opts: { mirrorDir: string; sha: string; description: string; timeoutMs: number }) {
    this.dir = opts.mirrorDir;
    this.sha = opts.sha;
    this.description = opts.description;
    this.timeoutMs = opts.timeoutMs;
  }

  async stat(path: string): Promise<'file' | 'dir' | undefined> {
    const p = normalizeTreePath(path);
    if (p === '') return 'dir';
    const entry = (await this.lsTree(['--', p])).find((e) => e.path === p);
    if (!entry) return undefined;
    if (entry.type === 'tree') return 'dir';
    return isRegular(entry) ? 'file' : undefined;
  }

  async listFiles(dir: string): Promise<TreeListing> {
    const d = normalizeTreePath(dir);
    const entries = await this.lsTree(d === '' ? ['-r'] : ['-r', '--', d]);
    const files: string[] = [];
    const ignored: string[] = [];
    for (const e of entries) {
      if (!isUnder(d, e.path)) continue;
      (isRegular(e) ? files : ignored).push(e.path);
    }
    return { files: files.sort(), ignored: ignored.sort() };
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (paths.length === 0) return out;
    const normalized = paths.map(normalizeTreePath);
    if (normalized.some((p) => p.includes('\n')))
      throw this.notFound(normalized.find((p) => p.includes('\n')));
    const input = normalized.map((p) => `${this.sha}:${p}\n`).join('');
    const { stdout } = await runGit(['cat-file', '--batch'], {
      cwd: this.dir,
      timeoutMs: this.timeoutMs,
      input,
    });
    let pos = 0;
    for (const path of normalized) {
      const eol = stdout.indexOf(10, pos);
      if (eol < 0) throw this.notFound(path);
      const header = stdout.toString('utf8', pos, eol).split(' ');
      const size = Number(header[2]);
      if (header.length !== 3 || header[1] !== 'blob' || !Number.isInteger(size)) throw this.notFound(path);
      out.set(path, stdout.subarray(eol + 1, eol + 1 + size));
      pos = eol + 1 + size + 1;
    }
    return out;
  }

  private async lsTree(args: string[]): Promise<LsTreeEntry[]> {
    const { stdout } = await runGit(['ls-tree', '-z', '--full-tree', this.sha, ...args], {
      cwd: this.dir,
      timeoutMs: this.timeoutMs,
    });
    const entries: LsTreeEntry[] = [];
    for (const record of stdout.toString('utf8').split('\0')) {
      const tab = record.indexOf('\t');
      if (tab < 0) continue;
      const [mode = '', type = ''] = record.slice(0, tab).split(' ');
      entries.push({ mode, type, path: record.slice(tab + 1) });
    }
    return entries;
  }

  private notFound(path: string | undefined): GitError {
    return new GitError('path_not_found', `${path ?? ''} not found in ${this.description}`, { path });
  }
}

function isRegular(e: LsTreeEntry): boolean {
  return e.type === 'blob' && (e.mode === '100644' || e.mode === '100755');
}
