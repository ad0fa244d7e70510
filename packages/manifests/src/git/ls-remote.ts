import { tmpdir } from 'node:os';
import { classifyRemoteError } from './classify.ts';
import { runGit } from './exec.ts';

export interface RemoteRef {
  /** Full ref name on the remote, e.g. `refs/heads/main`. */
  name: string;
  /** Where the mirror keeps it (`HEAD` is kept as `refs/tether/HEAD`). */
  localName: string;
  /** The commit it names (tags peeled). */
  sha: string;
}

/**
 * Asks the remote which commit `ref` names. A full ref name matches itself; a short name is
 * tried as a branch, then as a tag. Undefined when the remote has no such ref.
 */
export async function resolveRef(
  repoUrl: string,
  ref: string,
  opts: { timeoutMs: number; env: Record<string, string> },
): Promise<RemoteRef | undefined> {
  let stdout: Buffer;
  try {
    ({ stdout } = await runGit(['ls-remote', repoUrl, ref], { ...opts, cwd: tmpdir() }));
  } catch (err) {
    throw classifyRemoteError(err, repoUrl);
  }
  const refs = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name, sha);
  }
  const candidates =
    ref === 'HEAD' || ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const sha = refs.get(`${name}^{}`) ?? refs.get(name);
    if (sha) return { name, localName: name === 'HEAD' ? 'refs/tether/HEAD' : name, sha };
  }
  return undefined;
}
