// `npm run start -w @tether/worker`: the push worker as its own process. Builds the object graph
// from the environment, migrates, consumes until SIGTERM/SIGINT, then drains and closes.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, errorMessage } from '@tether/core';
import { createDb, migrate } from '@tether/db';
import { GitMirrorCache } from '@tether/manifests';
import { loadWorkerConfig } from './config.ts';
import { createPushWorker } from './worker.ts';

/** Running jobs get this long to finish at shutdown before they are put back in the queue. */
const SHUTDOWN_DEADLINE_MS = 25_000;

async function main(): Promise<void> {
  const logger = createLogger('worker');
  let config: ReturnType<typeof loadWorkerConfig>;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    logger.fatal(errorMessage(err));
    process.exitCode = 1;
    return;
  }
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
    workerId: config.TETHER_WORKER_ID ?? `${hostname()}:${process.pid}`,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await worker.close({ deadlineMs: SHUTDOWN_DEADLINE_MS });
    } finally {
      await db.$disconnect();
    }
  };
  // A second signal while draining forces the exit.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await worker.start();
    logger.info({ dataDir }, 'worker ready');
  } catch (err) {
    logger.fatal({ err }, 'worker failed to start');
    await worker.close({ deadlineMs: 0, abortGraceMs: 0 }).catch(() => {});
    await db.$disconnect();
    process.exitCode = 1;
  }
}

await main();
