// The only place that starts git. Arguments are arrays (no shell), every call has a timeout,
// and a timed-out git is killed with its whole process group (remote helpers, ssh, upload-pack).
import { spawn } from 'node:child_process';
import { GitError } from '../errors.ts';

export interface GitRunOptions {
  cwd?: string;
  timeoutMs: number;
  /** Extra environment on top of the sanitised process environment. */
  env?: Record<string, string>;
  input?: string;
  /** Stdout cap in bytes; beyond it the call fails. */
  maxOutput?: number;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
}

/** git exited non-zero; callers classify `stderr` into a GitError. */
export class GitExitError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(args: string[], exitCode: number | null, stderr: string) {
    super(`git ${args[0] ?? ''} exited ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'GitExitError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

const STDERR_CAP = 64 * 1024;
// Variables that would point git at another repository or let it prompt.
const DROPPED_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE'];

export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DROPPED_ENV) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
    LANG: 'C',
    ...extra,
  };
}

export function runGit(args: string[], opts: GitRunOptions): Promise<GitResult> {
  const maxOutput = opts.maxOutput ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: gitEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills git's helpers too
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: Error | undefined;
    const kill = (err: Error) => {
      failure ??= err;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () =>
        kill(
          new GitError('git_timeout', `git ${args[0] ?? ''} timed out after ${opts.timeoutMs} ms`, {
            timeoutMs: opts.timeoutMs,
          }),
        ),
      opts.timeoutMs,
    );
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxOutput) kill(new Error(`git ${args[0] ?? ''} produced more than ${maxOutput} bytes`));
      else chunks.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < STDERR_CAP) stderr += d.toString();
    });
    child.on('error', (err) => {
      failure ??= err;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (code !== 0) reject(new GitExitError(args, code, stderr));
      else resolve({ stdout: Buffer.concat(chunks), stderr });
    });
    child.stdin.on('error', () => {}); // git may exit before reading all input
    child.stdin.end(opts.input ?? '');
  });
}
