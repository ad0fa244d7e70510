import type { Logger } from '@tether/core';
import type { GitMirrorCache } from '@tether/manifests';
import { ZERO_SHA } from './github-payload.ts';

/** True when a changed file lies at or under the application's path. */
export function touches(appPath: string, changed: readonly string[]): boolean {
  const base = appPath.replace(/^\.\/?/, '').replace(/\/+$/, '');
  if (base === '') return true;
  return changed.some((p) => p === base || p.startsWith(`${base}/`));
}

/**
 * The files a push changed: from the payload when it lists them all, otherwise from Git.
 * Undefined means "cannot tell" (new branch, Git unreachable): every application is deployed.
 */
export async function changedFiles(
  mirrors: GitMirrorCache,
  logger: Logger,
  push: { repoUrls: string[]; before: string; after: string; changedPaths: string[] | undefined },
): Promise<string[] | undefined> {
  if (push.changedPaths) return push.changedPaths;
  if (push.before === ZERO_SHA) return undefined;
  const url = push.repoUrls[0];
  if (!url) return undefined;
  try {
    return await mirrors.changedPaths(url, push.before, push.after);
  } catch (err) {
    logger.warn(
      { err, before: push.before, after: push.after },
      'could not compute changed paths; deploying all',
    );
    return undefined;
  }
}
