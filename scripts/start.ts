// `npm start`: API and push worker in one process, plus (unless TETHER_DEMO_CLUSTER=false) a
// simulated cluster registered as "local", so a fresh machine has something to deploy to.
// Missing settings get development defaults, kept under TETHER_DATA_DIR and printed once.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadApiConfig, startApi } from '@tether/api';
import { ConfigError, createLogger } from '@tether/core';
import { startKubeSim } from '@tether/kube-sim';
import { loadWorkerConfig, startWorker } from '@tether/worker';
import pg from 'pg';

const logger = createLogger('tether');
const env: Record<string, string | undefined> = { ...process.env };
const dataDir = resolve(env.TETHER_DATA_DIR ?? '.tether-data');
env.TETHER_DATA_DIR = dataDir;
mkdirSync(dataDir, { recursive: true });

function devSecret(name: string): string {
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

const usingDefaults = !env.DATABASE_URL;
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/tether';
env.TETHER_ADMIN_TOKEN ??= devSecret('admin-token');
env.TETHER_WEBHOOK_SECRET ??= devSecret('webhook-secret');
env.HOST ??= '127.0.0.1';

try {
  const apiConfig = loadApiConfig(env);
  const workerConfig = loadWorkerConfig({ ...env, TETHER_MIGRATE_ON_START: 'false' });
  if (usingDefaults) await ensureDatabase(apiConfig.DATABASE_URL);
  const api = await startApi(apiConfig, logger.child({ component: 'api' }));
  const worker = await startWorker(workerConfig, logger.child({ component: 'worker' }));
  const closers: Array<() => Promise<void>> = [() => worker.close(), () => api.close()];

  if (env.TETHER_DEMO_CLUSTER !== 'false') {
    const simToken = devSecret('sim-token');
    const sim = await startKubeSim({
      port: Number(env.TETHER_DEMO_CLUSTER_PORT ?? 6443),
      host: '127.0.0.1',
      tls: true,
      token: simToken,
      snapshotFile: join(dataDir, 'kube-sim.json'),
      logger: logger.child({ component: 'kube-sim' }),
    });
    closers.unshift(() => sim.close());
    const kubeconfig = sim.writeKubeconfig(join(dataDir, 'kubeconfig'));
    // Register the demo cluster, or refresh its address and credentials when it exists already
    // (the database outlives a data dir that was wiped, and the sim's CA and token are new).
    const api = `http://127.0.0.1:${apiConfig.PORT}/api/v1/clusters`;
    const headers = {
      authorization: `Bearer ${apiConfig.TETHER_ADMIN_TOKEN}`,
      'content-type': 'application/json',
    };
    const creds = { server: sim.url, token: simToken, caData: sim.caData };
    let res = await fetch(api, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'local', mode: 'push', ...creds }),
    });
    if (res.status === 409) {
      res = await fetch(`${api}/local`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ mode: 'push', ...creds }),
      });
    }
    if (!res.ok)
      logger.warn({ status: res.status, body: await res.text() }, 'could not register the demo cluster');
    logger.info({ kubeconfig, server: sim.url }, 'demo cluster "local" (kube-sim) is up');
  }

  logger.info(
    {
      api: api.url,
      docs: `${api.url}/docs`,
      adminToken: usingDefaults ? apiConfig.TETHER_ADMIN_TOKEN : '(from TETHER_ADMIN_TOKEN)',
      webhookSecret: usingDefaults ? apiConfig.TETHER_WEBHOOK_SECRET : '(from TETHER_WEBHOOK_SECRET)',
      dataDir,
    },
    'Tether is running',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const close of closers) await close().catch((err) => logger.error({ err }, 'close failed'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  logger.fatal({ err: err instanceof ConfigError ? err.message : err }, 'Tether failed to start');
  process.exit(1);
}
