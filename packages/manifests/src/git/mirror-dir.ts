// Local operations on one bare mirror directory: creation and lookups. No network.
import { randomUUID } from 'node:crypto';
import { access, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GitExitError, runGit } from './exec.ts';

export async function mirrorExists(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'HEAD'));
    return true;
  } catch {
    return false;
  }
}

/** Creates the bare mirror atomically (init in a temp dir, then rename); false if it existed. */
export async function initMirror(dir: string, repo: string, timeoutMs: number): Promise<boolean> {
  if (await mirrorExists(dir)) return false;
  const tmp = join(dirname(dir), `.tmp-${randomUUID()}`);
  try {
    await runGit(['init', '--bare', '--quiet', tmp], { timeoutMs });
    // No automatic gc: it could drop objects a concurrent reader is about to use.
    for (const [key, value] of [
      ['gc.auto', '0'],
      ['core.logAllRefUpdates', 'false'],
      ['tether.repo', repo],
    ]) {
      await runGit(['config', key ?? '', value ?? ''], { cwd: tmp, timeoutMs });
    }
    await rename(tmp, dir);
    return true;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The object a revision names, or undefined when the mirror has no such thing. */
export async function tryRevParse(dir: string, rev: string, timeoutMs: number): Promise<string | undefined> {
  if (!(await mirrorExists(dir))) return undefined;
  try {
    const { stdout } = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], {
      cwd: dir,
      timeoutMs,
    });
    return stdout.toString('utf8').trim();
  } catch (err) {
    if (err instanceof GitExitError) return undefined;
    throw err;
  }
}

export async function hasCommit(dir: string, sha: string, timeoutMs: number): Promise<boolean> {
  return (await tryRevParse(dir, `${sha}^{commit}`, timeoutMs)) === sha;
}
