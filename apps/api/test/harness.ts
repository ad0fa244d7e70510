// A real API over real services: a fresh migrated database, a unique BullMQ prefix, a temp
// data dir. Tests drive it with inject() and read back through the same services.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '@tether/core';
import { createDb, type Db, migrate } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import {
  closeRedis,
  createInspector,
  createProducer,
  createRedis,
  type Inspector,
  type JobCatalog,
  type Producer,
} from '@tether/queue';
import { createTestDatabase, type TestDatabase } from '@tether/testing/postgres';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';
import { type AgentGateway, type AgentGatewayOptions, createAgentGateway } from '../src/agent/gateway.ts';
import { loadSigner } from '../src/agent/signing.ts';
import { buildApp } from '../src/app.ts';
import type { TypedApp } from '../src/routes/types.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const WEBHOOK_SECRET = 'test-webhook-secret';
export const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');

export interface Harness {
  app: TypedApp;
  db: Db;
  prefix: string;
  producer: Producer;
  inspector: Inspector;
  database: TestDatabase;
  /** The pull path, unless the harness was started with pull: false. */
  pull: AgentGateway | undefined;
  dataDir: string;
  /** CLIENT SETNAME of the app's own Redis connection (its watch connection adds `:watch`). */
  redisName: string;
  close(): Promise<void>;
}

type GatewayOverrides = Omit<
  AgentGatewayOptions,
  'db' | 'redis' | 'producer' | 'mirrors' | 'signer' | 'logger' | 'prefix' | 'catalog'
>;

export interface HarnessOptions {
  redisUrl?: string;
  /** Point the app (not the harness's own reads) at another database URL, e.g. a dead one. */
  appDatabaseUrl?: string;
  /** Gateway settings (default: built, without the periodic sweeper), or false for none. */
  pull?: GatewayOverrides | false;
  /** Job policies shared by the producer and the gateway (e.g. fast retries). */
  catalog?: JobCatalog;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const logger = silentLogger();
  const database = await createTestDatabase({ migrate: (url) => migrate(url), label: 'api' });
  const db = createDb(database.url);
  const appDb = opts.appDatabaseUrl ? createDb(opts.appDatabaseUrl, { connectTimeoutMs: 1_000 }) : db;
  const prefix = uniquePrefix();
  const redisName = `tether-api-${prefix}`;
  const redis = createRedis(opts.redisUrl ?? TEST_REDIS_URL, {
    logger,
    role: 'producer',
    connectTimeoutMs: 500,
    name: redisName,
  });
  const inspectRedis = createRedis(TEST_REDIS_URL, { logger, role: 'producer' });
  const catalog = opts.catalog;
  const producer: Producer = createProducer({
    redis,
    logger,
    prefix,
    readyTimeoutMs: 500,
    timeoutMs: 2_000,
    ...(catalog ? { catalog } : {}),
  });
  const inspector = createInspector({ redis: inspectRedis, prefix });
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-api-'));
  const mirrors = new GitMirrorCache({ baseDir: join(dataDir, 'git'), logger });
  const pull =
    opts.pull === false
      ? undefined
      : createAgentGateway({
          db: appDb,
          redis,
          producer,
          mirrors,
          signer: await loadSigner({ dataDir, logger }),
          logger,
          prefix,
          ...(catalog ? { catalog } : {}),
          sweeper: false,
          ...opts.pull,
        });
  const app = await buildApp({
    db: appDb,
    producer,
    mirrors,
    logger,
    adminToken: ADMIN_TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    ...(pull ? { pull } : {}),
    checks: {
      postgres: async () => {
        await appDb.$queryRaw`SELECT 1`;
      },
    },
  });
  await app.ready();
  return {
    app,
    db,
    prefix,
    producer,
    inspector,
    database,
    pull,
    dataDir,
    redisName,
    async close() {
      await app.close();
      await pull?.close();
      await producer.close();
      await inspector.close();
      await closeRedis(redis);
      await closeRedis(inspectRedis);
      if (appDb !== db) await appDb.$disconnect().catch(() => {});
      await db.$disconnect();
      await database.drop();
      await cleanupPrefix(TEST_REDIS_URL, prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** GitHub's own example payload for `event/file`, parsed, for a test to rewrite. */
export async function corpusPayload(event: string, file = 'payload.json'): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(CORPUS, 'github-webhooks', event, file), 'utf8')) as Record<
    string,
    unknown
  >;
}

export function deliver(
  app: TypedApp,
  event: string,
  payload: unknown,
  opts: { id?: string; secret?: string; signature?: string | null } = {},
) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.id ?? randomUUID(),
  };
  const signature = opts.signature === undefined ? sign(body, opts.secret) : opts.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return app.inject({ method: 'POST', url: '/webhooks/github', headers, payload: body });
}

/** The corpus push payload pointed at `repoUrl`, branch `main`, commit `after`. */
export async function pushPayload(repoUrl: string, after: string, before: string, files: string[] = []) {
  const p = await corpusPayload('push', 'with-new-branch.payload.json');
  const repository = p.repository as Record<string, unknown>;
  repository.clone_url = repoUrl;
  repository.ssh_url = repoUrl;
  repository.html_url = repoUrl;
  repository.git_url = repoUrl;
  repository.url = repoUrl;
  p.ref = 'refs/heads/main';
  p.after = after;
  p.before = before;
  p.created = false;
  p.deleted = false;
  p.commits = files.length
    ? [{ id: after, message: 'change', added: [], removed: [], modified: files, distinct: true }]
    : [];
  return p;
}
