// Why rendering a bundle failed, in the terms a target records (the push worker's classification,
// for the errors rendering can raise): a missing commit or a bad manifest stays bad, an
// unreachable Git host may come back.
import { isTetherError } from '@tether/core';
import { isGitError, isManifestError } from '@tether/manifests';

export interface Failure {
  code: string;
  message: string;
  transient: boolean;
}

const TRANSIENT_GIT = new Set(['repo_unreachable', 'git_timeout']);

export function classifyRenderFailure(err: unknown): Failure {
  if (isManifestError(err)) return { code: err.code, message: err.message, transient: false };
  if (isGitError(err))
    return { code: err.code, message: err.message, transient: TRANSIENT_GIT.has(err.code) };
  if (isTetherError(err)) return { code: err.code, message: err.message, transient: err.status >= 500 };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err), transient: true };
}
