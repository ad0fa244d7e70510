// The whole push path, for real: the API (Fastify, in-process via inject), Redis queues, a push
// worker, a fresh migrated database, Git over smart HTTP, and a TLS kube-sim cluster.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '@tether/api';
import { createLogger, silentLogger } from '@tether/core';
import { createDb, type Db, migrate } from '@tether/db';
import { connectCluster, type KubeClient } from '@tether/kube';
import { type KubeSim, startKubeSim } from '@tether/kube-sim';
import { GitMirrorCache } from '@tether/manifests';
import { closeRedis, createProducer, createRedis, withPolicies } from '@tether/queue';
import { createTestRepo, type GitHttpServer, serveGitHttp, type TestRepo } from '@tether/testing/git';
import { createTestDatabase, type TestDatabase } from '@tether/testing/postgres';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';
import { createPushWorker, type PushWorker } from '@tether/worker';

export const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export const SIM_TOKEN = 'e2e-sim-token';
/** Fast retries so failure paths end quickly; the producer and the worker must share it. */
const CATALOG = withPolicies({
  'target.sync': { attempts: 3, backoff: { type: 'exponential', delay: 100, jitter: 0.2 } },
});

export type App = Awaited<ReturnType<typeof buildApp>>;

/** The API's JSON as tests read it: walked freely, asserted field by field. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk the API's JSON freely.
export type Json = Record<string, any>;

export interface E2E {
  app: App;
  db: Db;
  sim: KubeSim;
  repo: TestRepo;
  /** The repository's smart-HTTP URL, as applications and payloads name it. */
  repoUrl: string;
  kube: KubeClient;
  worker: PushWorker;
  close(): Promise<void>;
}

export async function startE2E(opts: { startWorker?: boolean } = {}): Promise<E2E> {
  // E2E_LOG=debug shows every component's log on stderr when a test needs explaining.
  const logger = process.env.E2E_LOG ? createLogger('e2e', { level: process.env.E2E_LOG }) : silentLogger();
  const database: TestDatabase = await createTestDatabase({ migrate: (url) => migrate(url), label: 'e2e' });
  const db = createDb(database.url);
  const prefix = uniquePrefix();
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-e2e-'));
  const gitRoot = await mkdtemp(join(tmpdir(), 'tether-e2e-git-'));
  const git: GitHttpServer = await serveGitHttp(gitRoot);
  const repo = await createTestRepo({ parent: gitRoot, name: 'platform.git' });
  const sim = await startKubeSim({ tls: true, token: SIM_TOKEN });
  const redis = createRedis(TEST_REDIS_URL, { logger, role: 'producer' });
  const producer = createProducer({ redis, logger, prefix, catalog: CATALOG });
  // API and worker keep separate mirror caches, as separate processes would.
  const app = await buildApp({
    db,
    producer,
    mirrors: new GitMirrorCache({ baseDir: join(dataDir, 'api-git'), logger }),
    logger,
    adminToken: ADMIN_TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    checks: {},
  });
  const worker: PushWorker = createPushWorker({
    db,
    redisUrl: TEST_REDIS_URL,
    prefix,
    mirrors: new GitMirrorCache({ baseDir: join(dataDir, 'worker-git'), logger }),
    logger,
    concurrency: 4,
    kubeTimeoutMs: 5_000,
    healthTimeoutMs: 20_000,
    resyncIntervalMs: 0,
    workerId: 'e2e-worker',
    catalog: CATALOG,
  });
  if (opts.startWorker !== false) await worker.start();
  const kube = connectCluster({ server: sim.url, token: SIM_TOKEN, caData: sim.caData }, { logger });
  return {
    app,
    db,
    sim,
    repo,
    repoUrl: `${git.url}/platform.git`,
    kube,
    worker,
    async close() {
      await worker.close({ deadlineMs: 5_000 });
      await app.close();
      await producer.close();
      await closeRedis(redis);
      await kube.close();
      await sim.close();
      await git.close();
      await db.$disconnect();
      await database.drop();
      await cleanupPrefix(TEST_REDIS_URL, prefix);
      await rm(dataDir, { recursive: true, force: true });
      await rm(gitRoot, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

export async function api(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  const res = await app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() as Json };
}

/** GitHub's example push payload, pointed at our repository and commit, signed with real HMAC. */
export async function pushWebhook(
  app: App,
  repoUrl: string,
  after: string,
  before: string,
  opts: { id?: string; secret?: string; files?: string[] } = {},
) {
  const raw = await readFile(join(CORPUS, 'github-webhooks/push/payload.json'), 'utf8');
  const p = JSON.parse(raw) as Json;
  for (const k of ['clone_url', 'ssh_url', 'html_url', 'git_url', 'url']) p.repository[k] = repoUrl;
  Object.assign(p, { ref: 'refs/heads/main', after, before, created: false, deleted: false });
  p.commits = opts.files ? [{ id: after, added: [], removed: [], modified: opts.files }] : [];
  const body = JSON.stringify(p);
  const signature = `sha256=${createHmac('sha256', opts.secret ?? WEBHOOK_SECRET)
    .update(body)
    .digest('hex')}`;
  const res = await app.inject({
    method: 'POST',
    url: '/webhooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': opts.id ?? randomUUID(),
      'x-hub-signature-256': signature,
    },
    payload: body,
  });
  return { status: res.statusCode, body: res.json() as Json };
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

/** Polls the deployment until it is final (a generous deadline, not a timed assertion). */
export async function settled(app: App, id: string, deadlineMs = 60_000): Promise<Json> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const { body } = await api(app, 'GET', `/api/v1/deployments/${id}`);
    if (FINAL.has(body.status as string)) return body;
    if (Date.now() > until) throw new Error(`deployment ${id} still ${body.status}: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
