// `npm run start -w @tether/worker`: the push worker as its own process. Builds the object graph
// from the environment, migrates, consumes until SIGTERM/SIGINT, then drains and closes.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, errorMessage, isMain, type Logger } from '@tether/core';
import { createDb, migrate } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { createPushWorker } from './worker.ts';

/** Running jobs get this long to finish at shutdown before they are put back in the queue. */
const SHUTDOWN_DEADLINE_MS = 25_000;

export interface RunningWorker {
  close(): Promise<void>;
}

/** Builds and starts a push worker from config; used by main() and by the combined `npm start`. */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  if (config.TETHER_MIGRATE_ON_START === 'true') await migrate(config.DATABASE_URL, { logger });
  const concurrency = config.TETHER_WORKER_CONCURRENCY;
  const db = createDb(config.DATABASE_URL, { applicationName: 'tether-worker', poolSize: concurrency + 4 });
  const dataDir = resolve(config.TETHER_DATA_DIR);
  const mirrors = new GitMirrorCache({
    baseDir: join(dataDir, 'git'),
    logger: logger.child({ component: 'git' }),
  });
  const worker = createPushWorker({
    db,
    redisUrl: config.REDIS_URL,
    prefix: config.TETHER_QUEUE_PREFIX,
    mirrors,
    logger,
    concurrency,
    kubeTimeoutMs: config.TETHER_KUBE_TIMEOUT_MS,
    healthTimeoutMs: config.TETHER_HEALTH_TIMEOUT_MS,
    resyncIntervalMs: config.TETHER_RESYNC_INTERVAL * 1000,
    workerId: config.TETHER_WORKER_ID ?? `${hostname()}:${process.pid}`,
  });
  try {
    await worker.start();
  } catch (err) {
    await worker.close({ deadlineMs: 0, abortGraceMs: 0 }).catch(() => {});
    await db.$disconnect();
    throw err;
  }
  logger.info({ dataDir }, 'worker ready');
  return {
    async close() {
      try {
        await worker.close({ deadlineMs: SHUTDOWN_DEADLINE_MS });
      } finally {
        await db.$disconnect();
      }
    },
  };
}

async function main(): Promise<void> {
  const logger = createLogger('worker');
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    logger.fatal(errorMessage(err));
    process.exitCode = 1;
    return;
  }
  let running: RunningWorker;
  try {
    running = await startWorker(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'worker failed to start');
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.close();
  };
  // A second signal while draining forces the exit.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (isMain(import.meta)) await main();
