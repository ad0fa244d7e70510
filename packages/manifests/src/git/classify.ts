import { GitError } from '../errors.ts';
import { GitExitError } from './exec.ts';

const REF_MISSING =
  /not our ref|couldn't find remote ref|no such remote ref|unadvertised object|did not send all necessary objects|bad object/i;

export function isFullSha(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(s);
}

export function isZeroSha(s: string): boolean {
  return /^0+$/.test(s);
}

/** Hides credentials in URLs (`https://user:token@host` → `https://***@host`). */
export function redact(text: string): string {
  return text.replace(/(\/\/)[^/@\s]+@/g, '$1***@');
}

/** Turns a failed network call into repo_unreachable / ref_not_found; timeouts pass through. */
export function classifyRemoteError(err: unknown, repoUrl: string): unknown {
  if (!(err instanceof GitExitError)) return err;
  const stderr = redact(err.stderr.trim());
  const summary = stderr.split('\n').filter(Boolean).slice(0, 3).join(' | ');
  const details = { repoUrl: redact(repoUrl), stderr };
  if (REF_MISSING.test(stderr)) {
    return new GitError('ref_not_found', `ref not found in ${redact(repoUrl)}: ${summary}`, details, {
      cause: err,
    });
  }
  return new GitError('repo_unreachable', `cannot reach ${redact(repoUrl)}: ${summary}`, details, {
    cause: err,
  });
}

/** Rejects what git would read as an option or a refspec instead of a URL or a ref. */
export function assertSafeInput(repoUrl: string, ref?: string): void {
  if (repoUrl.startsWith('-') || /[\0\n\r]/.test(repoUrl)) {
    throw new GitError('repo_unreachable', `refusing repository URL "${redact(repoUrl)}"`, {
      repoUrl: redact(repoUrl),
    });
  }
  // check-ref-format's rules that matter here: no option-looking, refspec or revision syntax.
  if (
    ref !== undefined &&
    (/^-|[\s:~^?*[\\\0]|\.\.|@\{/.test(ref) || ref.endsWith('/') || ref.endsWith('.lock'))
  ) {
    throw new GitError('ref_not_found', `"${ref}" is not a valid ref name`, {
      repoUrl: redact(repoUrl),
      ref,
    });
  }
}
