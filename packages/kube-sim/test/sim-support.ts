// Helpers for the simulator's tests: a started sim with a kubeconfig, the real kubectl,
// raw HTTP requests, and polling (tests never assert on timing).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeSim, type KubeSimOptions, type SimCluster, startKubeSim } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const corpus = resolve(repoRoot, '../shared/corpus/manifests');

export interface TestSim {
  sim: KubeSim;
  dir: string;
  kubeconfig: string;
  /** Runs the real kubectl against the root cluster (or `cluster`). */
  kubectl: (args: string[], opts?: KubectlOptions) => Promise<KubectlResult>;
  close: () => Promise<void>;
}

export interface KubectlOptions {
  input?: string;
  kubeconfig?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startTestSim(opts: KubeSimOptions = {}): Promise<TestSim> {
  const sim = await startKubeSim({ token: 'test-token', tls: true, ...opts });
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-test-'));
  const kubeconfig = sim.writeKubeconfig(join(dir, 'kubeconfig'));
  return {
    sim,
    dir,
    kubeconfig,
    kubectl: (args, o = {}) => kubectl(args, { ...o, kubeconfig: o.kubeconfig ?? kubeconfig }, dir),
    close: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function kubectl(args: string[], opts: KubectlOptions, cacheRoot: string): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('kubectl', [...args, '--cache-dir', join(cacheRoot, 'kube-cache')], {
      env: { ...process.env, KUBECONFIG: opts.kubeconfig ?? '', HOME: cacheRoot },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout, stderr };
      if (code !== 0 && !opts.allowFail) {
        reject(new Error(`kubectl ${args.join(' ')} exited ${code}:\n${stderr}${stdout}`));
      } else resolvePromise(result);
    });
    child.stdin.end(opts.input ?? '');
  });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read parsed JSON structurally
export type Json = any;

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Json;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  token?: string | null;
  accept?: string;
  headers?: Record<string, string>;
}

/** One HTTP request to a sim cluster (token and CA from the handle). */
export function api(
  target: SimCluster & { caPem?: string | undefined },
  path: string,
  opts: RequestOptions = {},
): Promise<HttpResult> {
  const url = new URL(target.url + path);
  const body =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? target.token : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const req = send(url, { method: opts.method ?? 'GET', headers, ca: target.caPem }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Streams a watch and collects its events until `until` says stop or the server ends it. */
export function collectWatch(
  target: SimCluster & { caPem?: string | undefined },
  path: string,
  until: (events: Array<{ type: string; object: Json }>) => boolean,
  timeoutMs = 20_000,
): Promise<Array<{ type: string; object: Json }>> {
  const url = new URL(target.url + path);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {};
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  return new Promise((resolvePromise, reject) => {
    const events: Array<{ type: string; object: Json }> = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(
        new Error(
          `watch timed out with ${events.length} events: ${JSON.stringify(events.map((e) => e.type))}`,
        ),
      );
    }, timeoutMs);
    const req = send(url, { headers, ca: target.caPem }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i = buf.indexOf('\n');
        while (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
          i = buf.indexOf('\n');
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolvePromise(events);
        }
      });
      // The server ended the stream (timeoutSeconds, an ERROR event, shutdown).
      res.on('end', () => {
        clearTimeout(timer);
        resolvePromise(events);
      });
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}
