// Mutual exclusion for one mirror: a promise queue inside the process, and a `mkdir` lock
// directory between processes on the same machine (mkdir is atomic on local filesystems).
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { GitError } from '../errors.ts';

/** Runs tasks with the same key one after another, in call order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export interface FileLockOptions {
  /** A lock not refreshed for this long is considered abandoned. */
  staleMs: number;
  /** Give up waiting after this long (git_timeout). */
  waitMs: number;
  logger: Logger;
}

interface Owner {
  host: string;
  pid: number;
  token: string;
}

/** Holds `lockDir` while `fn` runs; the holder refreshes its mtime so long fetches stay fresh. */
export async function withFileLock<T>(
  lockDir: string,
  opts: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const owner: Owner = { host: hostname(), pid: process.pid, token: randomUUID() };
  await acquire(lockDir, owner, opts);
  const beat = setInterval(
    () => {
      const now = new Date();
      utimes(lockDir, now, now).catch(() => {});
    },
    Math.max(50, Math.floor(opts.staleMs / 3)),
  );
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    const current = await readOwner(lockDir);
    if (current?.token === owner.token) await rm(lockDir, { recursive: true, force: true });
  }
}

async function acquire(lockDir: string, owner: Owner, opts: FileLockOptions): Promise<void> {
  const started = Date.now();
  let delay = 20;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'owner.json'), JSON.stringify(owner));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(lockDir, opts.staleMs)) {
      await breakLock(lockDir, opts);
      continue;
    }
    if (Date.now() - started > opts.waitMs) {
      throw new GitError('git_timeout', `timed out after ${opts.waitMs} ms waiting for ${lockDir}`, {
        lockDir,
      });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}

async function isStale(lockDir: string, staleMs: number): Promise<boolean> {
  const owner = await readOwner(lockDir);
  if (owner && owner.host === hostname() && !pidAlive(owner.pid)) return true;
  try {
    const s = await stat(lockDir);
    return Date.now() - s.mtimeMs > staleMs;
  } catch {
    return false; // released meanwhile; the next mkdir decides
  }
}

async function breakLock(lockDir: string, opts: FileLockOptions): Promise<void> {
  // Look again (another breaker may have replaced it with a fresh lock), then rename: only one
  // breaker wins the rename, the others see ENOENT and go back to mkdir.
  if (!(await isStale(lockDir, opts.staleMs))) return;
  const tomb = `${lockDir}.stale-${randomUUID()}`;
  try {
    await rename(lockDir, tomb);
  } catch {
    return;
  }
  opts.logger.warn({ lockDir }, 'removed an abandoned git mirror lock');
  await rm(tomb, { recursive: true, force: true });
}

async function readOwner(lockDir: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
