// The push worker as an embeddable object: main.ts runs it alone, `npm start` runs it beside the
// API, tests run several in one process. It owns its Redis connections, not the db or the mirrors.
import type { Logger } from '@tether/core';
import type { Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import {
  type Consumer,
  closeRedis,
  createConsumer,
  createProducer,
  createRedis,
  DEFAULT_PREFIX,
  type JobCatalog,
  type JobHandler,
  jobCatalog,
  type Producer,
  PUSH_LANE,
  waitForReady,
} from '@tether/queue';
import type { RedisConnection } from './lane-jobs.ts';
import { createReconcileHandler } from './reconcile.ts';
import { createResync, type Resync } from './resync.ts';
import { createSweeper, type Sweeper, type SweeperOptions, type SweepReport } from './sweeper.ts';
import { createSyncTargetHandler } from './sync-target.ts';

export interface PushWorkerDeps {
  db: Db;
  redisUrl: string;
  /** BullMQ key prefix (TETHER_QUEUE_PREFIX). */
  prefix?: string;
  mirrors: GitMirrorCache;
  logger: Logger;
  /** Jobs run at once by this worker (default 4). */
  concurrency?: number;
  /** Deadline of each call to a cluster (default 15 s). */
  kubeTimeoutMs?: number;
  /** Applied workloads get this long to become healthy (default 5 min). */
  healthTimeoutMs?: number;
  /** Names this worker in audit events and BullMQ. */
  workerId: string;
  /** Job policies; tests pass faster backoffs. Must match the producers'. */
  catalog?: JobCatalog;
  /** The lost-target sweeper's settings, or false for none. */
  sweeper?: SweeperOptions | false;
  /** How long a job's missing target row is looked for before the job is dropped (default 2 s). */
  missingTargetGraceMs?: number;
  /** Period of the drift reconciliation of every push destination (default 180 s); 0 disables. */
  resyncIntervalMs?: number;
}

export interface CloseOptions {
  /** Wait this long for running jobs to finish (default 30 s); then abort them back to the queue. */
  deadlineMs?: number;
  /** After aborting, how long they get to record that (default 5 s). */
  abortGraceMs?: number;
}

export interface PushWorker {
  /** Connects and starts consuming the push lane; resolves once ready. */
  start(): Promise<void>;
  /** Runs a sweep now (tests, admin); undefined when the sweeper is disabled. */
  sweep(): Promise<SweepReport | undefined>;
  /** Enqueues a reconciliation round now, whoever holds the periodic round; returns how many jobs. */
  resync(): Promise<number>;
  /** Jobs this worker is running. */
  running(): number;
  close(opts?: CloseOptions): Promise<void>;
}

export function createPushWorker(deps: PushWorkerDeps): PushWorker {
  const prefix = deps.prefix ?? DEFAULT_PREFIX;
  const catalog = deps.catalog ?? jobCatalog;
  const logger = deps.logger.child({ component: 'push-worker', workerId: deps.workerId });
  const sync = createSyncTargetHandler({
    db: deps.db,
    mirrors: deps.mirrors,
    workerId: deps.workerId,
    kubeTimeoutMs: deps.kubeTimeoutMs ?? 15_000,
    healthTimeoutMs: deps.healthTimeoutMs ?? 300_000,
    missingTargetGraceMs: deps.missingTargetGraceMs ?? 2_000,
  });
  // The consumer stops waiting for a handler once its signal is aborted; we still wait for it to
  // record the outcome before the caller closes the database.
  const inflight = new Set<Promise<unknown>>();
  const tracked: JobHandler<'target.sync'> = (payload, ctx) => {
    const p = sync(payload, ctx);
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    inflight.add(settled);
    void settled.finally(() => inflight.delete(settled));
    return p;
  };

  const reconcile = createReconcileHandler({
    db: deps.db,
    mirrors: deps.mirrors,
    producer: () => producer,
    kubeTimeoutMs: deps.kubeTimeoutMs ?? 15_000,
    workerId: deps.workerId,
  });

  let consumer: Consumer | undefined;
  let resync: Resync | undefined;
  let redis: RedisConnection | undefined;
  let producer: Producer | undefined;
  let sweeper: Sweeper | undefined;
  let closing: Promise<void> | undefined;

  return {
    async start() {
      if (consumer || closing) throw new Error('push worker already started');
      consumer = createConsumer({
        connection: { url: deps.redisUrl },
        lane: PUSH_LANE,
        handlers: { 'target.sync': tracked, 'app.reconcile': reconcile },
        logger,
        prefix,
        concurrency: deps.concurrency ?? 4,
        catalog,
        workerName: deps.workerId,
      });
      await consumer.waitUntilReady();
      redis = createRedis(deps.redisUrl, {
        role: 'producer',
        logger,
        name: `tether-worker-${deps.workerId}`,
      });
      await waitForReady(redis, 10_000);
      producer = createProducer({ redis, logger, prefix, catalog });
      if (deps.sweeper !== false) {
        sweeper = createSweeper({
          ...deps.sweeper,
          db: deps.db,
          redis,
          producer,
          prefix,
          logger,
          workerId: deps.workerId,
        });
        sweeper.start();
      }
      resync = createResync({
        db: deps.db,
        redis,
        producer,
        prefix,
        logger,
        workerId: deps.workerId,
        intervalMs: deps.resyncIntervalMs ?? 180_000,
      });
      if ((deps.resyncIntervalMs ?? 180_000) > 0) resync.start();
      logger.info({ lane: PUSH_LANE, prefix, concurrency: deps.concurrency ?? 4 }, 'push worker started');
    },

    sweep: async () => sweeper?.sweepOnce(),

    resync: async () => {
      if (!resync) throw new Error('push worker not started');
      return resync.runOnce(true);
    },

    running: () => inflight.size,

    close(opts = {}) {
      closing ??= (async () => {
        const abortGraceMs = opts.abortGraceMs ?? 5_000;
        await sweeper?.close();
        await resync?.close();
        await consumer?.close({ deadlineMs: opts.deadlineMs ?? 30_000, abortGraceMs });
        if (inflight.size > 0) {
          logger.warn({ running: inflight.size }, 'waiting for aborted jobs to record their outcome');
          await settleWithin(Promise.all(inflight), abortGraceMs);
        }
        await producer?.close();
        if (redis) await closeRedis(redis);
        logger.info('push worker closed');
      })();
      return closing;
    },
  };
}

async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
