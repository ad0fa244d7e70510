import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TetherError } from './errors.ts';

// Ports that say nothing about which repository is meant.
const DEFAULT_PORTS: Record<string, string> = {
  'http:': '80',
  'https:': '443',
  'ssh:': '22',
  'git:': '9418',
};
const REMOTE_SCHEMES = new Set(['http:', 'https:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:']);
// `user@host:path` (scp syntax): no scheme, a colon before the first slash.
const SCP_LIKE = /^(?:[^@/]+@)?([^:/]+):(.+)$/;
// Already normalised: `host.tld[:port]/path` or `host:port/path`.
const HOST_PATH = /^(?:[^/:@]+\.[^/:@]+(?::\d+)?|[^/:@]+:\d+)\/.+$/;

/**
 * One canonical name per repository, used to key mirrors and to match webhook payloads to
 * applications: `host[:port]/path` in lower case, without credentials, scheme, `.git` or
 * trailing slashes; `file:` URLs and local paths become their absolute path (case kept).
 */
export function normalizeRepoUrl(input: string): string {
  const raw = input.trim();
  if (raw === '') throw invalid(input, 'empty');
  if (raw.startsWith('/') || raw.startsWith('./') || raw.startsWith('../') || raw === '.') {
    return trimSlashes(resolve(raw));
  }
  if (/^file:/i.test(raw)) {
    try {
      return trimSlashes(fileURLToPath(raw));
    } catch {
      throw invalid(input, 'not a valid file URL');
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return fromUrl(input, raw);
  if (HOST_PATH.test(raw)) return canonical(raw);
  const scp = SCP_LIKE.exec(raw);
  if (scp?.[1] && scp[2]) return canonical(`${scp[1]}/${scp[2]}`);
  throw invalid(input, 'not a URL, scp-style address or absolute path');
}

function fromUrl(input: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(input, 'not a valid URL');
  }
  const scheme = url.protocol.toLowerCase();
  if (!REMOTE_SCHEMES.has(scheme)) throw invalid(input, `unsupported scheme ${scheme}`);
  if (url.hostname === '') throw invalid(input, 'no host');
  const port = url.port !== '' && url.port !== DEFAULT_PORTS[scheme] ? `:${url.port}` : '';
  return canonical(`${url.hostname}${port}${decodeURIComponent(url.pathname)}`);
}

function canonical(hostAndPath: string): string {
  let s = hostAndPath.toLowerCase().replace(/\/{2,}/g, '/');
  s = trimSlashes(s);
  if (s.endsWith('.git')) s = trimSlashes(s.slice(0, -4));
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw invalid(hostAndPath, 'no repository path');
  return s;
}

function trimSlashes(s: string): string {
  let end = s.length;
  while (end > 1 && s[end - 1] === '/') end--;
  return s.slice(0, end);
}

function invalid(input: string, why: string): TetherError {
  return new TetherError('invalid_request', `invalid repository URL "${input}": ${why}`, { repoUrl: input });
}
