import { normalizeRepoUrl, TetherError } from '@tether/core';
import { type GitMirrorCache, isGitError } from '@tether/manifests';

/** Refuses URLs Tether could never fetch, naming the field, before anything is stored. */
export function checkedRepoUrl(url: string): string {
  try {
    normalizeRepoUrl(url);
  } catch (err) {
    throw new TetherError(
      'invalid_request',
      `body.repoUrl: ${err instanceof Error ? err.message : String(err)}`,
      {
        field: 'body.repoUrl',
      },
    );
  }
  return url;
}

/** Branch, tag or SHA → full commit SHA, with Git failures mapped to API error codes. */
export async function resolveRevision(
  mirrors: GitMirrorCache,
  repoUrl: string,
  revision: string,
): Promise<string> {
  try {
    return await mirrors.resolve(repoUrl, revision);
  } catch (err) {
    if (isGitError(err)) {
      if (err.code === 'ref_not_found') {
        throw new TetherError('ref_not_found', `revision "${revision}" not found in ${repoUrl}`, {
          field: 'body.revision',
        });
      }
      throw new TetherError('repo_unreachable', `cannot reach ${repoUrl}: ${err.message}`, {
        code: err.code,
      });
    }
    throw err;
  }
}
