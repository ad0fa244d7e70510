// Real Git for tests: temporary repositories driven by the git CLI, and a smart-HTTP server
// that runs `git http-backend` as CGI, so clients exercise the same protocol as with GitHub.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';

const GIT_TIMEOUT_MS = 30_000;

const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Tether Test',
  GIT_AUTHOR_EMAIL: 'test@tether.invalid',
  GIT_COMMITTER_NAME: 'Tether Test',
  GIT_COMMITTER_EMAIL: 'test@tether.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/** Runs git in `cwd` and returns trimmed stdout; rejects with stderr on failure. */
export function runGit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args],
      { cwd, env: { ...process.env, ...GIT_ENV }, timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

export interface TestRepo {
  /** Working directory of the repository (non-bare, branch `main`). */
  readonly dir: string;
  /** `file://` URL of the repository. */
  readonly url: string;
  write(path: string, content: string): Promise<void>;
  writeFiles(files: Record<string, string>): Promise<void>;
  /** Copies a directory from outside (e.g. the corpus) into the repository at `dest`. */
  copyDir(src: string, dest: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Stages everything and commits; returns the new commit SHA. */
  commit(message?: string): Promise<string>;
  head(): Promise<string>;
  branch(name: string, from?: string): Promise<void>;
  checkout(ref: string): Promise<void>;
  tag(name: string, opts?: { annotated?: boolean; ref?: string }): Promise<void>;
  git(args: string[]): Promise<string>;
  delete(): Promise<void>;
}

export interface CreateTestRepoOptions {
  /** Parent directory (e.g. the root served by serveGitHttp); a temp dir when absent. */
  parent?: string;
  /** Directory name inside parent; defaults to `repo`. */
  name?: string;
}

export async function createTestRepo(opts: CreateTestRepoOptions = {}): Promise<TestRepo> {
  const ownParent = opts.parent === undefined;
  const parent = opts.parent ?? (await mkdtemp(join(tmpdir(), 'tether-repo-')));
  const dir = join(parent, opts.name ?? 'repo');
  await mkdir(dir, { recursive: true });
  await runGit(dir, ['init', '-q', '-b', 'main']);
  const git = (args: string[]) => runGit(dir, args);
  const write = async (path: string, content: string) => {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  };
  return {
    dir,
    url: pathToFileURL(dir).href,
    write,
    async writeFiles(files) {
      for (const [path, content] of Object.entries(files)) await write(path, content);
    },
    async copyDir(src, dest) {
      await cp(src, join(dir, dest), { recursive: true });
    },
    async remove(path) {
      await rm(join(dir, path), { recursive: true, force: true });
    },
    async commit(message = 'change') {
      await git(['add', '-A']);
      await git(['commit', '-q', '--allow-empty', '-m', message]);
      return git(['rev-parse', 'HEAD']);
    },
    head: () => git(['rev-parse', 'HEAD']),
    async branch(name, from = 'HEAD') {
      await git(['branch', name, from]);
    },
    async checkout(ref) {
      await git(['checkout', '-q', ref]);
    },
    async tag(name, tagOpts = {}) {
      const ref = tagOpts.ref ?? 'HEAD';
      await git(tagOpts.annotated ? ['tag', '-a', name, '-m', name, ref] : ['tag', name, ref]);
    },
    git,
    async delete() {
      await rm(ownParent ? parent : dir, { recursive: true, force: true });
    },
  };
}

export interface GitHttpServer {
  /** Base URL; a repository at `<reposRoot>/<name>` is cloned from `${url}/<name>`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves every repository under `reposRoot` read-only over git's smart HTTP protocol. */
export async function serveGitHttp(reposRoot: string): Promise<GitHttpServer> {
  const children = new Set<ReturnType<typeof spawn>>();
  const server = createServer((req, res) => handle(reposRoot, req, res, children));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const child of children) child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handle(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  children: Set<ReturnType<typeof spawn>>,
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), GIT_TIMEOUT_MS);
  child.on('close', () => {
    clearTimeout(timer);
    children.delete(child);
  });
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(500).end();
  });
  child.stdin.on('error', () => {});
  const body = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
  body.on('error', () => child.kill('SIGKILL'));
  body.pipe(child.stdin);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  pipeCgiResponse(child.stdout, res, () => stderr);
}

/** Parses CGI output (headers, optional Status, blank line) and streams the rest as the body. */
function pipeCgiResponse(out: NodeJS.ReadableStream, res: ServerResponse, stderr: () => string): void {
  let head = Buffer.alloc(0);
  let headersDone = false;
  out.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const sepLength = end === crlf ? 4 : 2;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sepLength));
  });
  out.on('end', () => {
    if (!headersDone) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(stderr());
      return;
    }
    res.end();
  });
}
