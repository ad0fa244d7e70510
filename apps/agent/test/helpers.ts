// One isolated world per test for agents run as real processes: a fresh migrated database, a
// unique BullMQ prefix, the real API listening on 127.0.0.1 (with its agent gateway, a known
// signing key and a short lease), a Git repository of corpus apps over smart HTTP, a TLS kube-sim
// whose virtual clusters are the pull and push clusters, and optionally a push worker.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadApiConfig, type RunningApi, startApi } from '@tether/api';
import { createLogger, type Logger } from '@tether/core';
import { createDb, type Db, listAuditEvents, migrate } from '@tether/db';
import { connectCluster, type KubeClient } from '@tether/kube';
import { GitMirrorCache } from '@tether/manifests';
import { createTestRepo, serveGitHttp, type TestRepo } from '@tether/testing/git';
import { type RunningSim, startSim } from '@tether/testing/kube-sim';
import { createTestDatabase } from '@tether/testing/postgres';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';
import { waitFor } from '@tether/testing/wait';
import { createPushWorker, type PushWorker } from '@tether/worker';
import { type AgentProcess, spawnAgent } from './process.ts';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CORPUS = resolve(repoRoot, '../shared/corpus');
export const ADMIN_TOKEN = 'agent-test-admin-token-0123456789';
export const WEBHOOK_SECRET = 'agent-test-webhook-secret';
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

export interface WorldOptions {
  /** The gateway's lease TTL (TETHER_LEASE_TTL_SECONDS); short so expiry tests finish quickly. */
  leaseTtlSeconds?: number;
  /** Corpus applications committed at the repository root (default guestbook). */
  apps?: string[];
  /** How long kube-sim's workloads take to become ready: keeps an agent in its health wait. */
  readyDelayMs?: number;
}

export interface Json {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk the API's JSON freely.
  body: Record<string, any>;
}

export interface PullCluster {
  name: string;
  id: string;
  bootstrapToken: string;
  /** Kubeconfig of its kube-sim virtual cluster: what its agents use (KUBECONFIG). */
  kubeconfigPath: string;
}

export interface AgentOptions {
  /** Default: a fresh temp dir per agent. Pass the same dir to restart "the same" agent. */
  stateDir?: string;
  bootstrapToken?: string | undefined;
  env?: Record<string, string>;
}

export interface World {
  db: Db;
  prefix: string;
  apiUrl: string;
  /** The SPKI PEM of the control plane's signing key. */
  publicKeyPem: string;
  sim: RunningSim;
  repo: TestRepo;
  repoUrl: string;
  sha: string;
  logger: Logger;
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object): Promise<Json>;
  /** Stops the API (agents see it unreachable) and starts it again on the same port. */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  pullCluster(name: string): Promise<PullCluster>;
  /** A fresh bootstrap token for a pull cluster. */
  bootstrapToken(cluster: string): Promise<string>;
  pushCluster(name: string): Promise<{ id: string }>;
  createApp(input: {
    name: string;
    path: string;
    clusters: string[];
    namespace: string;
    createNamespace?: boolean;
    selfHeal?: boolean;
    prune?: boolean;
  }): Promise<void>;
  /** GET /applications/{name}: its status on one cluster. */
  status(app: string, cluster: string): Promise<Json['body']>;
  /** kubectl against a simulated cluster: a change made behind Tether's back. */
  kubectl(cluster: string, ...args: string[]): Promise<string>;
  /** POST /applications/{name}/deployments: a deployment of HEAD, one target per destination. */
  deploy(app: string): Promise<Json['body']>;
  /** A signed GitHub push of the repository's HEAD. */
  pushWebhook(): Promise<Json>;
  deployment(id: string): Promise<Json['body']>;
  /** Polls until the deployment is final (a generous deadline, not a timed assertion). */
  settled(id: string): Promise<Json['body']>;
  /** Polls a deployment until check() accepts it. */
  waitDeployment(id: string, what: string, check: (d: Json['body']) => boolean): Promise<Json['body']>;
  auditTypes(targetId: string): Promise<{ type: string; actorName: string; data: Record<string, unknown> }[]>;
  kube(cluster: string): KubeClient;
  agent(cluster: PullCluster, opts?: AgentOptions): Promise<AgentProcess>;
  startWorker(): Promise<PushWorker>;
}

export async function startWorld(t: TestContext, opts: WorldOptions = {}): Promise<World> {
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  });
  const logger = createLogger('agent-test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const database = await createTestDatabase({ label: 'agent', migrate: (url) => migrate(url) });
  cleanups.push(() => database.drop());
  const db = createDb(database.url, { poolSize: 5 });
  cleanups.push(() => db.$disconnect());
  const prefix = uniquePrefix();
  cleanups.push(() => cleanupPrefix(TEST_REDIS_URL, prefix));
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-agent-world-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  const keys = generateKeyPairSync('ed25519');
  const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let port = 0;
  let api: RunningApi | undefined;
  const launchApi = async () => {
    const config = loadApiConfig({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      TETHER_ADMIN_TOKEN: ADMIN_TOKEN,
      TETHER_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TETHER_DATA_DIR: join(dataDir, 'api'),
      TETHER_QUEUE_PREFIX: prefix,
      TETHER_MIGRATE_ON_START: 'false',
      TETHER_SIGNING_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      TETHER_LEASE_TTL_SECONDS: String(opts.leaseTtlSeconds ?? 30),
    });
    api = await startApi(config, logger.child({ component: 'api' }));
    port = Number(new URL(api.url).port);
  };
  await launchApi();
  cleanups.push(async () => api?.close());
  const apiUrl = `http://127.0.0.1:${port}`;

  const sim = await startSim({ tls: true, readyDelayMs: opts.readyDelayMs ?? 0 });
  cleanups.push(() => sim.close());
  const gitRoot = await mkdtemp(join(tmpdir(), 'tether-agent-git-'));
  cleanups.push(() => rm(gitRoot, { recursive: true, force: true }));
  const repo = await createTestRepo({ parent: gitRoot, name: 'deploy.git' });
  for (const app of opts.apps ?? ['guestbook']) await repo.copyDir(join(CORPUS, 'manifests', app), app);
  const sha = await repo.commit('corpus apps');
  const git = await serveGitHttp(gitRoot);
  cleanups.push(() => git.close());
  const repoUrl = `${git.url}/deploy.git`;

  const clients = new Map<string, KubeClient>();
  cleanups.push(async () => {
    for (const c of clients.values()) await c.close();
  });

  const call = async (method: string, path: string, body?: object): Promise<Json> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json['body']) : {} };
  };
  const ok = (res: Json, status: number, what: string) => {
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const world: World = {
    db,
    prefix,
    apiUrl,
    publicKeyPem,
    sim,
    repo,
    repoUrl,
    sha,
    logger,
    api: (method, path, body) => call(method, `/api/v1${path}`, body),
    async stopApi() {
      await api?.close();
      api = undefined;
    },
    startApi: launchApi,
    async pullCluster(name) {
      sim.sim.addCluster(name);
      const body = ok(
        await world.api('POST', '/clusters', { name, mode: 'pull' }),
        201,
        `pull cluster ${name}`,
      );
      return {
        name,
        id: body.id as string,
        bootstrapToken: body.bootstrapToken as string,
        kubeconfigPath: sim.cluster(name).kubeconfigPath,
      };
    },
    async bootstrapToken(cluster) {
      const body = ok(
        await world.api('POST', `/clusters/${cluster}/bootstrap-tokens`),
        201,
        'bootstrap token',
      );
      return body.bootstrapToken as string;
    },
    async pushCluster(name) {
      const c = sim.sim.addCluster(name);
      const body = ok(
        await world.api('POST', '/clusters', {
          name,
          mode: 'push',
          server: c.url,
          token: sim.token,
          caData: sim.sim.caData,
        }),
        201,
        `push cluster ${name}`,
      );
      return { id: body.id as string };
    },
    async createApp(input) {
      ok(
        await world.api('POST', '/applications', {
          name: input.name,
          repoUrl,
          path: input.path,
          targetRevision: 'main',
          destinations: input.clusters.map((cluster) => ({ cluster, namespace: input.namespace })),
          syncPolicy: {
            automated: true,
            createNamespace: input.createNamespace ?? true,
            selfHeal: input.selfHeal ?? false,
            prune: input.prune ?? false,
          },
        }),
        201,
        `application ${input.name}`,
      );
    },
    async status(app, cluster) {
      const body = ok(await world.api('GET', `/applications/${app}`), 200, `application ${app}`);
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON.
      const s = (body.status as Record<string, any>[]).find((x) => x.cluster === cluster);
      assert.ok(s, `no status on ${cluster}: ${JSON.stringify(body)}`);
      return s;
    },
    async kubectl(cluster, ...args) {
      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', sim.cluster(cluster).kubeconfigPath, ...args],
        {
          timeout: 30_000,
        },
      );
      return stdout;
    },
    async deploy(app) {
      return ok(await world.api('POST', `/applications/${app}/deployments`, {}), 202, `deploy ${app}`);
    },
    async pushWebhook() {
      const raw = await readFile(join(CORPUS, 'github-webhooks/push/payload.json'), 'utf8');
      const p = JSON.parse(raw) as Record<string, unknown> & { repository: Record<string, unknown> };
      for (const k of ['clone_url', 'ssh_url', 'html_url', 'git_url', 'url']) p.repository[k] = repoUrl;
      Object.assign(p, {
        ref: 'refs/heads/main',
        after: await repo.head(),
        before: '0'.repeat(40),
        created: false,
        deleted: false,
        commits: [],
      });
      const body = JSON.stringify(p);
      const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
      const res = await fetch(`${apiUrl}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': signature,
        },
        body,
      });
      return { status: res.status, body: (await res.json()) as Json['body'] };
    },
    async deployment(id) {
      return ok(await world.api('GET', `/deployments/${id}`), 200, `deployment ${id}`);
    },
    settled: (id) => world.waitDeployment(id, 'a final status', (d) => FINAL.has(d.status as string)),
    async waitDeployment(id, what, check) {
      const deadline = Date.now() + 90_000;
      let last: Json['body'] | undefined;
      for (;;) {
        last = await world.deployment(id);
        if (check(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`deployment ${id}: timed out waiting for ${what}: ${JSON.stringify(last)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async auditTypes(targetId) {
      const page = await listAuditEvents(db, { targetId, limit: 200 });
      return page.items.reverse().map((e) => ({
        type: e.type,
        actorName: e.actorName,
        data: (e.data ?? {}) as Record<string, unknown>,
      }));
    },
    kube(cluster) {
      let c = clients.get(cluster);
      if (!c) {
        c = connectCluster({ kubeconfigPath: sim.cluster(cluster).kubeconfigPath }, { logger });
        clients.set(cluster, c);
      }
      return c;
    },
    async agent(cluster, agentOpts = {}) {
      let stateDir = agentOpts.stateDir;
      if (!stateDir) {
        stateDir = await mkdtemp(join(tmpdir(), 'tether-agent-state-'));
        const dir = stateDir;
        cleanups.push(() => rm(dir, { recursive: true, force: true }));
      }
      const token = 'bootstrapToken' in agentOpts ? agentOpts.bootstrapToken : cluster.bootstrapToken;
      return spawnAgent(t, {
        TETHER_URL: apiUrl,
        KUBECONFIG: cluster.kubeconfigPath,
        TETHER_AGENT_STATE_DIR: stateDir,
        TETHER_HEALTH_TIMEOUT_MS: '30000',
        ...(token ? { TETHER_BOOTSTRAP_TOKEN: token } : {}),
        ...agentOpts.env,
      });
    },
    async startWorker() {
      const worker = createPushWorker({
        db,
        redisUrl: TEST_REDIS_URL,
        prefix,
        mirrors: new GitMirrorCache({ baseDir: join(dataDir, 'worker-git'), logger }),
        logger,
        concurrency: 2,
        kubeTimeoutMs: 10_000,
        healthTimeoutMs: 30_000,
        workerId: 'push-worker',
        sweeper: false,
      });
      cleanups.push(() => worker.close({ deadlineMs: 5_000, abortGraceMs: 2_000 }));
      await worker.start();
      return worker;
    },
  };
  return world;
}

/** The one target of a deployment on a cluster. */
// biome-ignore lint/suspicious/noExplicitAny: the API's JSON.
export function targetOn(deployment: Record<string, any>, cluster: string): Record<string, any> {
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON.
  const t = (deployment.targets as Record<string, any>[]).find((x) => x.cluster === cluster);
  assert.ok(t, `no target on ${cluster}: ${JSON.stringify(deployment)}`);
  return t;
}

export { waitFor };
