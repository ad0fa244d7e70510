import { Webhooks } from '@octokit/webhooks';
import { TetherError } from '@tether/core';

export const ZERO_SHA = '0000000000000000000000000000000000000000';
/** GitHub lists at most this many commits in a push payload; beyond it the file lists are partial. */
const MAX_LISTED_COMMITS = 20;

export interface PushEvent {
  ref: string;
  before: string;
  after: string;
  deleted: boolean;
  /** Every URL the payload gives for the repository (clone, ssh, html); callers normalise them. */
  repoUrls: string[];
  sender: string;
  /** Files touched by the push, or undefined when the payload cannot tell (truncated or absent). */
  changedPaths: string[] | undefined;
}

/** Verifies `sha256=<hex>` over the exact bytes received. */
export async function verifySignature(
  raw: string,
  signature: string | undefined,
  secret: string,
): Promise<boolean> {
  if (!signature?.startsWith('sha256=')) return false;
  try {
    return await new Webhooks({ secret }).verify(raw, signature);
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Repository URLs of any GitHub event payload, for finding which applications it concerns. */
export function repositoryUrls(payload: unknown): string[] {
  if (!isRecord(payload) || !isRecord(payload.repository)) return [];
  const r = payload.repository;
  return [r.clone_url, r.ssh_url, r.html_url, r.git_url, r.url].map(str).filter((u): u is string => !!u);
}

function changedPathsOf(payload: Record<string, unknown>): string[] | undefined {
  const commits = payload.commits;
  if (!Array.isArray(commits) || commits.length === 0 || commits.length >= MAX_LISTED_COMMITS)
    return undefined;
  const paths = new Set<string>();
  for (const c of commits) {
    if (!isRecord(c)) return undefined;
    for (const list of [c.added, c.modified, c.removed]) {
      if (!Array.isArray(list)) return undefined;
      for (const p of list) if (typeof p === 'string') paths.add(p);
    }
  }
  return [...paths].sort();
}

export function parsePush(payload: unknown): PushEvent {
  if (!isRecord(payload)) throw new TetherError('invalid_request', 'push payload must be a JSON object');
  const ref = str(payload.ref);
  const after = str(payload.after);
  const before = str(payload.before) ?? ZERO_SHA;
  if (!ref) throw new TetherError('invalid_request', 'push payload: ref is missing', { field: 'ref' });
  if (!after || !/^[0-9a-f]{40}$/.test(after)) {
    throw new TetherError('invalid_request', 'push payload: after must be a 40-hex commit SHA', {
      field: 'after',
    });
  }
  const urls = repositoryUrls(payload);
  if (urls.length === 0) {
    throw new TetherError('invalid_request', 'push payload: repository URL is missing', {
      field: 'repository',
    });
  }
  const sender =
    (isRecord(payload.sender) && str(payload.sender.login)) ||
    (isRecord(payload.pusher) && str(payload.pusher.name)) ||
    'unknown';
  return {
    ref,
    before,
    after,
    deleted: payload.deleted === true || after === ZERO_SHA,
    repoUrls: urls,
    sender,
    changedPaths: changedPathsOf(payload),
  };
}
