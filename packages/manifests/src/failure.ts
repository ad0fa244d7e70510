// Why fetching or rendering a commit failed, in the terms a target records: a stable code, a
// message that names the file, and whether another attempt could succeed. A missing commit or a
// bad manifest stays bad; an unreachable Git host may come back. Shared by the push worker and
// the control plane rendering bundles for pull agents.
import { isTetherError } from '@tether/core';
import { isGitError, isManifestError } from './errors.ts';

export interface RenderFailure {
  code: string;
  message: string;
  transient: boolean;
}

const TRANSIENT_GIT = new Set(['repo_unreachable', 'git_timeout']);

/** undefined for errors that are not about Git or manifests. */
export function classifyRenderError(err: unknown): RenderFailure | undefined {
  if (isManifestError(err)) return { code: err.code, message: err.message, transient: false };
  if (isGitError(err))
    return { code: err.code, message: err.message, transient: TRANSIENT_GIT.has(err.code) };
  return undefined;
}

/** Any error met while rendering: unknown ones are internal and worth another attempt. */
export function classifyRenderFailure(err: unknown): RenderFailure {
  const known = classifyRenderError(err);
  if (known) return known;
  if (isTetherError(err)) return { code: err.code, message: err.message, transient: err.status >= 500 };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err), transient: true };
}
