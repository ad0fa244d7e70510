// Bare mirrors on local disk, one per repository (keyed by the normalised URL), shared by every
// job of the process and by other processes on the machine. Fetches are serialised per mirror
// (promise queue + lock directory) and re-check after waiting, so concurrent jobs that need the
// same commit cause one fetch. Reads never lock: git's object store is safe to read while a
// fetch adds packs, and commits are immutable.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeRepoUrl } from '@tether/core';
import type { Logger } from 'pino';
import { GitError } from '../errors.ts';
import { assertSafeInput, classifyRemoteError, isFullSha, isZeroSha, redact } from './classify.ts';
import { runGit } from './exec.ts';
import { KeyedMutex, withFileLock } from './lock.ts';
import { resolveRef } from './ls-remote.ts';
import { hasCommit, initMirror, tryRevParse } from './mirror-dir.ts';
import { buildSshCommand, type SshOptions } from './ssh.ts';
import { GitTree } from './tree.ts';

export interface GitMirrorCacheOptions {
  /** e.g. `${TETHER_DATA_DIR}/git`; mirrors live in `<baseDir>/mirrors/<sha256(url)>.git`. */
  baseDir: string;
  logger: Logger;
  /** Bound on each network call (ls-remote, fetch). Default 120 s. */
  networkTimeoutMs?: number;
  /** Bound on each local git call. Default 30 s. */
  localTimeoutMs?: number;
  /** How long to wait for another process's fetch of the same mirror. Default 2 × network. */
  lockWaitMs?: number;
  /** A mirror lock not refreshed for this long is abandoned. Default 60 s. */
  staleLockMs?: number;
  ssh?: SshOptions;
}

const FETCH_CONFIG = [
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '-c',
  'fetch.writeCommitGraph=false',
];
const ALL_REFS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

export class GitMirrorCache {
  private readonly baseDir: string;
  private readonly logger: Logger;
  private readonly networkTimeoutMs: number;
  private readonly localTimeoutMs: number;
  private readonly lockWaitMs: number;
  private readonly staleLockMs: number;
  private readonly env: Record<string, string>;
  private readonly mutex = new KeyedMutex();
  /** Counters for metrics: network fetches and mirrors created by this instance. */
  readonly stats = { fetches: 0, mirrorsCreated: 0 };
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(opts: GitMirrorCacheOptions) {
    this.baseDir = opts.baseDir;
    this.logger = opts.logger;
    this.networkTimeoutMs = opts.networkTimeoutMs ?? 120_000;
    this.localTimeoutMs = opts.localTimeoutMs ?? 30_000;
    this.lockWaitMs = opts.lockWaitMs ?? 2 * this.networkTimeoutMs;
    this.staleLockMs = opts.staleLockMs ?? 60_000;
    this.env = opts.ssh ? { GIT_SSH_COMMAND: buildSshCommand(opts.ssh) } : {};
  }

  /** Directory of the bare mirror for a repository (it may not exist yet). */
  mirrorDir(repoUrl: string): string {
    const key = createHash('sha256').update(normalizeRepoUrl(repoUrl)).digest('hex');
    return join(this.baseDir, 'mirrors', `${key}.git`);
  }

  /**
   * The full commit SHA a branch, tag, full or abbreviated SHA, or `HEAD` names now, with the
   * commit fetched into the mirror. A full SHA already in the mirror needs no network.
   */
  async resolve(repoUrl: string, ref: string): Promise<string> {
    const wanted = ref.trim();
    assertSafeInput(repoUrl, wanted);
    if (wanted === '') throw new GitError('ref_not_found', 'empty ref', { repoUrl: redact(repoUrl), ref });
    const dir = this.mirrorDir(repoUrl);
    if (isFullSha(wanted)) {
      await this.ensureCommit(repoUrl, wanted.toLowerCase());
      return wanted.toLowerCase();
    }
    const remote = await resolveRef(repoUrl, wanted, this.network());
    if (remote) {
      if (await this.hasCommit(dir, remote.sha)) return remote.sha;
      return this.serialized(repoUrl, async () => {
        if (await this.hasCommit(dir, remote.sha)) return remote.sha;
        await this.fetch(repoUrl, [`+${remote.name}:${remote.localName}`]);
        // The ref may have moved since ls-remote; what was fetched is the newest answer.
        return this.revParse(dir, `${remote.localName}^{commit}`, repoUrl, ref);
      });
    }
    if (!/^[0-9a-f]{4,63}$/i.test(wanted)) {
      throw new GitError('ref_not_found', `no branch or tag "${ref}" in ${redact(repoUrl)}`, {
        repoUrl: redact(repoUrl),
        ref,
      });
    }
    // An abbreviated SHA: look locally, then after fetching every branch and tag.
    return this.serialized(repoUrl, async () => {
      const local = await this.tryRevParse(dir, `${wanted}^{commit}`);
      if (local) return local;
      await this.fetch(repoUrl, ALL_REFS);
      return this.revParse(dir, `${wanted}^{commit}`, repoUrl, ref);
    });
  }

  /** Makes sure a full commit SHA is in the mirror, fetching it if needed. */
  ensureCommit(repoUrl: string, sha: string): Promise<void> {
    try {
      assertSafeInput(repoUrl);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!isFullSha(sha)) {
      const details = { repoUrl: redact(repoUrl), sha };
      return Promise.reject(new GitError('ref_not_found', `"${sha}" is not a full commit SHA`, details));
    }
    const dir = this.mirrorDir(repoUrl);
    const key = `${dir}\0${sha}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const task = (async () => {
      if (await this.hasCommit(dir, sha)) return;
      await this.serialized(repoUrl, async () => {
        if (await this.hasCommit(dir, sha)) return;
        await this.fetchCommit(repoUrl, dir, sha);
      });
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, task);
    return task;
  }

  /** A reader over the files of a commit, straight from the mirror. */
  async readTree(repoUrl: string, sha: string): Promise<GitTree> {
    const full = sha.toLowerCase();
    await this.ensureCommit(repoUrl, full);
    return new GitTree({
      mirrorDir: this.mirrorDir(repoUrl),
      sha: full,
      description: `${normalizeRepoUrl(repoUrl)}@${full}`,
      timeoutMs: this.localTimeoutMs,
    });
  }

  /**
   * Files that differ between two commits (renames as delete + add). Without a usable `fromSha`
   * (absent, all zeros, or no longer in the repository) every file of `toSha` counts as changed.
   */
  async changedPaths(repoUrl: string, fromSha: string | null | undefined, toSha: string): Promise<string[]> {
    const dir = this.mirrorDir(repoUrl);
    await this.ensureCommit(repoUrl, toSha.toLowerCase());
    let from = fromSha && !isZeroSha(fromSha) ? fromSha.toLowerCase() : undefined;
    if (from) {
      try {
        await this.ensureCommit(repoUrl, from);
      } catch (err) {
        if (!(err instanceof GitError && err.code === 'ref_not_found')) throw err;
        this.logger.warn(
          { repo: normalizeRepoUrl(repoUrl), fromSha },
          'base commit not found; treating every file as changed',
        );
        from = undefined;
      }
    }
    const args = from
      ? ['diff', '--name-only', '-z', '--no-renames', from, toSha.toLowerCase(), '--']
      : ['ls-tree', '-r', '-z', '--name-only', '--full-tree', toSha.toLowerCase()];
    const { stdout } = await runGit(args, { cwd: dir, timeoutMs: this.localTimeoutMs });
    return stdout
      .toString('utf8')
      .split('\0')
      .filter((p) => p !== '')
      .sort();
  }

  private network() {
    return { timeoutMs: this.networkTimeoutMs, env: this.env };
  }

  /** Runs `task` holding the mirror in this process and across processes; creates the mirror. */
  private serialized<T>(repoUrl: string, task: () => Promise<T>): Promise<T> {
    const dir = this.mirrorDir(repoUrl);
    return this.mutex.run(dir, async () => {
      await mkdir(join(this.baseDir, 'mirrors'), { recursive: true });
      const lock = { staleMs: this.staleLockMs, waitMs: this.lockWaitMs, logger: this.logger };
      return withFileLock(`${dir.slice(0, -4)}.lock`, lock, async () => {
        if (await initMirror(dir, normalizeRepoUrl(repoUrl), this.localTimeoutMs)) {
          this.stats.mirrorsCreated++;
          this.logger.info({ repo: normalizeRepoUrl(repoUrl), dir }, 'created git mirror');
        }
        return task();
      });
    });
  }

  private async fetchCommit(repoUrl: string, dir: string, sha: string): Promise<void> {
    try {
      // Anchor the commit under a ref so a future gc keeps it.
      await this.fetch(repoUrl, [`+${sha}:refs/tether/commits/${sha}`]);
    } catch (err) {
      if (!(err instanceof GitError && err.code === 'ref_not_found')) throw err;
      // Servers that refuse unadvertised wants still send everything reachable from refs.
      await this.fetch(repoUrl, ALL_REFS);
    }
    if (!(await this.hasCommit(dir, sha))) {
      const details = { repoUrl: redact(repoUrl), sha };
      throw new GitError('ref_not_found', `commit ${sha} not found in ${redact(repoUrl)}`, details);
    }
  }

  private async fetch(repoUrl: string, refspecs: string[]): Promise<void> {
    const dir = this.mirrorDir(repoUrl);
    const started = Date.now();
    this.stats.fetches++;
    const args = [
      ...FETCH_CONFIG,
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      repoUrl,
      ...refspecs,
    ];
    try {
      await runGit(args, { cwd: dir, ...this.network() });
    } catch (err) {
      throw classifyRemoteError(err, repoUrl);
    }
    this.logger.debug({ repo: normalizeRepoUrl(repoUrl), refspecs, ms: Date.now() - started }, 'git fetch');
  }

  private hasCommit(dir: string, sha: string): Promise<boolean> {
    return hasCommit(dir, sha, this.localTimeoutMs);
  }

  private tryRevParse(dir: string, rev: string): Promise<string | undefined> {
    return tryRevParse(dir, rev, this.localTimeoutMs);
  }

  private async revParse(dir: string, rev: string, repoUrl: string, ref: string): Promise<string> {
    const sha = await this.tryRevParse(dir, rev);
    if (!sha) {
      throw new GitError('ref_not_found', `"${ref}" not found in ${redact(repoUrl)}`, {
        repoUrl: redact(repoUrl),
        ref,
      });
    }
    return sha;
  }
}
