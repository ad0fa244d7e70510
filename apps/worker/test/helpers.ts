// One isolated world per test: a fresh migrated database, a unique BullMQ prefix, a temp data
// dir, a kube-sim server with virtual clusters, Git repos with corpus apps; all removed after.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@tether/core';
import {
  type AuditContext,
  type ClusterRecord,
  createApplication,
  createCluster,
  createDb,
  createDeployment,
  type Db,
  type DeploymentRecord,
  type DeploymentTarget,
  getTarget,
  listAuditEvents,
  migrate,
} from '@tether/db';
import { connectCluster, type KubeClient } from '@tether/kube';
import { type KubeSim, startKubeSim } from '@tether/kube-sim';
import { GitMirrorCache } from '@tether/manifests';
import {
  closeRedis,
  createInspector,
  createProducer,
  createRedis,
  type Inspector,
  type JobCatalog,
  laneFor,
  type Producer,
  PUSH_LANE,
  withPolicies,
} from '@tether/queue';
import { createTestRepo, serveGitHttp, type TestRepo } from '@tether/testing/git';
import { createTestDatabase } from '@tether/testing/postgres';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';
import { waitFor } from '@tether/testing/wait';
import { createLaneJobs, type LaneJobs, type RedisConnection } from '../src/lane-jobs.ts';
import { createPushWorker, type PushWorker, type PushWorkerDeps } from '../src/worker.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CORPUS = resolve(repoRoot, '../shared/corpus/manifests');
export const TOKEN = 'sim-token';
export const ADMIN: AuditContext = { actor: { type: 'token', name: 'test' } };

/** Fast retries so failure paths finish quickly; producers and workers must share it. */
export const TEST_CATALOG: JobCatalog = withPolicies({
  'target.sync': { attempts: 3, backoff: { type: 'exponential', delay: 100, jitter: 0.2 } },
});

export interface Repo {
  repo: TestRepo;
  /** The URL the application uses: smart HTTP or file://. */
  url: string;
  sha: string;
}

export interface Env {
  db: Db;
  prefix: string;
  dataDir: string;
  sim: KubeSim;
  logger: Logger;
  producer: Producer;
  inspector: Inspector;
  jobs: LaneJobs;
  /** The test's own Redis connection (role producer). */
  redis: RedisConnection;
  /** A push cluster row for a new virtual cluster of the sim (or for `server`, e.g. a closed port). */
  addCluster(name: string, opts?: { server?: string }): Promise<ClusterRecord>;
  /** A client on a sim cluster, for setup and assertions (not the worker's). */
  kube(name: string): KubeClient;
  /** A repository with these corpus applications at its root, committed. */
  createRepo(apps: string[], opts?: { http?: boolean }): Promise<Repo>;
  createApp(input: {
    name: string;
    repoUrl: string;
    path: string;
    clusters: string[];
    namespace: string;
    createNamespace?: boolean;
  }): Promise<string>;
  /** A deployment (targets + audit, one transaction) and a job per target. */
  deploy(applicationId: string, sha: string): Promise<DeploymentRecord>;
  enqueue(deployment: DeploymentRecord, target: { id: string; clusterId: string }): Promise<void>;
  startWorker(workerId: string, opts?: Partial<PushWorkerDeps>): Promise<PushWorker>;
  waitForTarget(id: string, until?: (t: DeploymentTarget) => boolean): Promise<DeploymentTarget>;
  /** The target's audit event types, oldest first. */
  events(
    targetId: string,
  ): Promise<
    { type: string; actorName: string; data: unknown; sha: string | null; clusterId: string | null }[]
  >;
}

export async function testEnv(t: TestContext): Promise<Env> {
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  });
  const logger = createLogger('worker-test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const database = await createTestDatabase({ label: 'worker', migrate: (url) => migrate(url) });
  cleanups.push(() => database.drop());
  const db = createDb(database.url, { poolSize: 20 });
  cleanups.push(() => db.$disconnect());
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-worker-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const sim = await startKubeSim({ token: TOKEN });
  cleanups.push(() => sim.close());
  const prefix = uniquePrefix();
  cleanups.push(() => cleanupPrefix(TEST_REDIS_URL, prefix));
  const redis = createRedis(TEST_REDIS_URL, { role: 'producer', logger, name: `${prefix}-test` });
  cleanups.push(() => closeRedis(redis));
  const producer = createProducer({ redis, logger, prefix, catalog: TEST_CATALOG });
  cleanups.push(() => producer.close());
  const inspector = createInspector({ redis, prefix });
  cleanups.push(() => inspector.close());
  const jobs = createLaneJobs({ redis, prefix, lane: PUSH_LANE });
  cleanups.push(() => jobs.close());
  const clients = new Map<string, KubeClient>();
  cleanups.push(async () => {
    for (const c of clients.values()) await c.close();
  });

  const env: Env = {
    db,
    prefix,
    dataDir,
    sim,
    logger,
    producer,
    inspector,
    jobs,
    redis,
    async addCluster(name, opts = {}) {
      const server = opts.server ?? sim.addCluster(name).url;
      return createCluster(db, { name, server, token: TOKEN, insecureSkipTLSVerify: true }, ADMIN);
    },
    kube(name) {
      let c = clients.get(name);
      if (!c) {
        const cluster = sim.cluster(name);
        if (!cluster) throw new Error(`no sim cluster ${name}`);
        c = connectCluster({ server: cluster.url, token: TOKEN, insecureSkipTLSVerify: true }, { logger });
        clients.set(name, c);
      }
      return c;
    },
    async createRepo(apps, opts = {}) {
      const root = await mkdtemp(join(tmpdir(), 'tether-worker-repos-'));
      cleanups.push(() => rm(root, { recursive: true, force: true }));
      const repo = await createTestRepo({ parent: root, name: 'deploy.git' });
      for (const app of apps) await repo.copyDir(join(CORPUS, app), app);
      const sha = await repo.commit('corpus apps');
      if (!opts.http) return { repo, url: repo.url, sha };
      const server = await serveGitHttp(root);
      cleanups.push(() => server.close());
      return { repo, url: `${server.url}/deploy.git`, sha };
    },
    async createApp(input) {
      const app = await createApplication(
        db,
        {
          name: input.name,
          repoUrl: input.repoUrl,
          path: input.path,
          targetRevision: 'main',
          createNamespace: input.createNamespace ?? false,
          destinations: input.clusters.map((cluster) => ({ cluster, namespace: input.namespace })),
        },
        ADMIN,
      );
      return app.id;
    },
    async deploy(applicationId, sha) {
      const d = await createDeployment(db, { applicationId, revision: 'main', sha, trigger: 'api' }, ADMIN);
      for (const target of d.targets) await env.enqueue(d, target);
      return d;
    },
    async enqueue(d, target) {
      await producer.enqueue(
        'target.sync',
        {
          v: 1,
          targetId: target.id,
          deploymentId: d.id,
          applicationId: d.applicationId,
          clusterId: target.clusterId,
          sha: d.sha,
        },
        { lane: laneFor({ mode: 'push', clusterId: target.clusterId }) },
      );
    },
    async startWorker(workerId, opts = {}) {
      const worker = createPushWorker({
        db,
        redisUrl: TEST_REDIS_URL,
        prefix,
        mirrors: new GitMirrorCache({ baseDir: join(dataDir, 'git'), logger }),
        logger,
        concurrency: 2,
        kubeTimeoutMs: 5_000,
        workerId,
        catalog: TEST_CATALOG,
        sweeper: false,
        missingTargetGraceMs: 200,
        ...opts,
      });
      cleanups.push(() => worker.close({ deadlineMs: 5_000, abortGraceMs: 2_000 }));
      await worker.start();
      return worker;
    },
    waitForTarget(id, until = (x) => ['succeeded', 'failed', 'cancelled', 'superseded'].includes(x.status)) {
      return waitFor(`target ${id}`, async () => {
        const target = await getTarget(db, id);
        return until(target) ? target : undefined;
      });
    },
    async events(targetId) {
      const page = await listAuditEvents(db, { targetId, limit: 200 });
      return page.items.reverse().map((e) => ({
        type: e.type,
        actorName: e.actorName,
        data: e.data,
        sha: e.sha,
        clusterId: e.clusterId,
      }));
    },
  };
  return env;
}

export { waitFor };

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    { fieldManager: 'test-setup' },
  );
}
