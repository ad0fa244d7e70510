// Process entry: config → dependencies → app → listen; SIGTERM closes everything in order.

import { join } from 'node:path';
import { ConfigError, createLogger, isMain } from '@tether/core';
import { createDb, migrate } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import { closeRedis, createProducer, createRedis, ping } from '@tether/queue';
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
  const app = await buildApp({
    db,
    producer,
    mirrors,
    logger,
    adminToken: config.TETHER_ADMIN_TOKEN,
    webhookSecret: config.TETHER_WEBHOOK_SECRET,
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
