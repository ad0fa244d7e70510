// Process entry: config → dependencies → app → listen; SIGTERM closes everything in order.

import { join } from 'node:path';
import { ConfigError, createLogger, isMain } from '@tether/core';
import { createDb, migrate } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import { closeRedis, createProducer, createRedis, ping } from '@tether/queue';
import { createAgentGateway } from './agent/gateway.ts';
import { loadSigner } from './agent/signing.ts';
import { buildApp } from './app.ts';
import { type ApiConfig, loadApiConfig } from './config.ts';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: ApiConfig, logger = createLogger('api')): Promise<RunningApi> {
  if (config.TETHER_MIGRATE_ON_START === 'true') await migrate(config.DATABASE_URL, { logger });
  const db = createDb(config.DATABASE_URL, { applicationName: 'tether-api' });
  const redis = createRedis(config.REDIS_URL, { logger, role: 'producer', name: 'tether-api' });
  const producer = createProducer({ redis, logger, prefix: config.TETHER_QUEUE_PREFIX });
  const mirrors = new GitMirrorCache({ baseDir: join(config.TETHER_DATA_DIR, 'git'), logger });
  // Replicas must sign with one key: the same TETHER_SIGNING_KEY, or a shared TETHER_DATA_DIR.
  const signer = await loadSigner({
    pem: config.TETHER_SIGNING_KEY,
    dataDir: config.TETHER_DATA_DIR,
    logger,
  });
  // The gateway shares the producer's connection and adds one watch connection: two in all,
  // whatever the number of agents.
  const pull = createAgentGateway({
    db,
    redis,
    producer,
    mirrors,
    signer,
    logger,
    prefix: config.TETHER_QUEUE_PREFIX,
    leaseTtlMs: config.TETHER_LEASE_TTL_SECONDS * 1000,
    bootstrapTokenTtlMs: config.TETHER_BOOTSTRAP_TOKEN_TTL_SECONDS * 1000,
    publicUrl: config.TETHER_PUBLIC_URL,
    agentImage: config.TETHER_AGENT_IMAGE,
    agentNamespace: config.TETHER_AGENT_NAMESPACE,
    diffTimeoutMs: config.TETHER_AGENT_DIFF_TIMEOUT_SECONDS * 1000,
  });
  const app = await buildApp({
    db,
    producer,
    mirrors,
    logger,
    adminToken: config.TETHER_ADMIN_TOKEN,
    webhookSecret: config.TETHER_WEBHOOK_SECRET,
    pull,
    checks: {
      postgres: async () => {
        await db.$queryRaw`SELECT 1`;
      },
      redis: async () => {
        const r = await ping(redis);
        if (!r.ok) throw new Error(r.error ?? 'redis ping failed');
      },
    },
  });
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  return {
    url,
    async close() {
      await app.close();
      await pull.close();
      await producer.close();
      await closeRedis(redis);
      await db.$disconnect();
    },
  };
}

async function main(): Promise<void> {
  const logger = createLogger('api');
  let config: ApiConfig;
  try {
    config = loadApiConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  const api = await startApi(config, logger);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await api.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (isMain(import.meta)) await main();
