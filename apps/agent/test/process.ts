// `tether-agent` as a real child process for tests: its env, its JSON log lines, its health port,
// and killing it (SIGTERM to stop, SIGKILL to crash). Every spawned agent is killed after the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far, for assertion messages. */
  output(): string;
  lines(): LogLine[];
  /** The first log line matching, polling until it appears (or the process exits). */
  waitForLog(match: (l: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** The health listener's port, from its log line (needs TETHER_AGENT_HEALTH_PORT). */
  healthPort(): Promise<number>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** The environment an agent needs besides what a test passes; nothing inherited from the shell's proxies. */
const BASE_ENV: Record<string, string> = {
  LOG_LEVEL: 'debug',
  TETHER_AGENT_BACKOFF_MIN_MS: '100',
  TETHER_AGENT_BACKOFF_MAX_MS: '1000',
  TETHER_AGENT_CLAIM_WAIT_SECONDS: '5',
  TETHER_AGENT_REQUEST_TIMEOUT_MS: '10000',
  TETHER_KUBE_TIMEOUT_MS: '10000',
};

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

export function spawnAgent(t: TestContext, env: Record<string, string>): AgentProcess {
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !PROXY_VARS.includes(k) && !k.startsWith('TETHER_') && k !== 'KUBECONFIG') {
      inherited[k] = v;
    }
  }
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, ...BASE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const parsed: LogLine[] = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line.
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.on('exit', (code) => r(code));
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const proc: AgentProcess = {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    lines: () => parsed,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    async waitForLog(match, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = parsed.find(match);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `agent exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${tail(out)}`,
          );
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${tail(out)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async healthPort() {
      const line = await proc.waitForLog((l) => l.msg === 'health listener up', 'the health listener');
      return line.port as number;
    },
  };
  return proc;
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
