import type { Logger } from '@tether/core';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobCatalog, jobCatalog } from './catalog.ts';
import { executeJob, type JobHandlers, ShutdownAbort } from './execute.ts';
import { assertLane, DEFAULT_PREFIX } from './lanes.ts';
import { closeRedis, createRedis } from './redis.ts';

export interface ConsumerOptions {
  /** A role 'worker' connection (caller keeps ownership), or a URL (the consumer owns it). */
  connection: Redis | { url: string };
  lane: string;
  handlers: JobHandlers;
  logger: Logger;
  prefix?: string;
  concurrency?: number;
  catalog?: JobCatalog;
  /** Shows in BullMQ's job data (processedBy) and connection names. */
  workerName?: string;
  lockDurationMs?: number;
}

export interface CloseOptions {
  /** Wait this long for running jobs; then abort their signals (they go back to wait). */
  deadlineMs?: number;
  /** After aborting, wait this long more before dropping the connections. */
  abortGraceMs?: number;
}

export interface Consumer {
  waitUntilReady(): Promise<void>;
  /** Number of handlers currently running. */
  running(): number;
  close(opts?: CloseOptions): Promise<void>;
}

export function createConsumer(opts: ConsumerOptions): Consumer {
  assertLane(opts.lane);
  const log = opts.logger.child({ component: 'queue-consumer', lane: opts.lane });
  const owned = !isRedis(opts.connection);
  const redis = isRedis(opts.connection)
    ? opts.connection
    : createRedis(opts.connection.url, { role: 'worker', logger: opts.logger });
  // BullMQ duplicates this connection for its blocking BZPOPMIN and throws otherwise.
  if (redis.options.maxRetriesPerRequest !== null) {
    throw new Error('createConsumer needs a connection with maxRetriesPerRequest: null (role "worker")');
  }
  const running = new Map<string, AbortController>();
  const deps = {
    catalog: opts.catalog ?? jobCatalog,
    handlers: opts.handlers,
    lane: opts.lane,
    logger: log,
    running,
  };
  const worker = new Worker(
    opts.lane,
    // Three parameters: BullMQ passes a cancellation signal only to processors that take one.
    (job, token, signal) => executeJob(deps, job, token ?? '', signal),
    {
      connection: redis,
      prefix: opts.prefix ?? DEFAULT_PREFIX,
      concurrency: opts.concurrency ?? 1,
      lockDuration: opts.lockDurationMs ?? 30_000,
      ...(opts.workerName ? { name: opts.workerName } : {}),
    },
  );
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled; moved back to wait'));
  worker.on('completed', (job) => log.debug({ jobId: job.id, job: job.name }, 'job completed'));
  worker.on('failed', (job, err) => {
    const final = !job || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = { err, jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade };
    if (final) log.error(fields, 'job failed for good');
    else log.warn(fields, 'job failed; will retry');
  });

  let closing: Promise<void> | undefined;
  return {
    waitUntilReady: () => worker.waitUntilReady(),
    running: () => running.size,
    close(closeOpts = {}) {
      closing ??= (async () => {
        const closed = worker.close();
        if (!(await settlesWithin(closed, closeOpts.deadlineMs ?? 30_000))) {
          log.warn({ running: running.size }, 'close deadline reached; aborting running jobs');
          for (const controller of running.values()) controller.abort(new ShutdownAbort());
          if (!(await settlesWithin(closed, closeOpts.abortGraceMs ?? 5_000))) {
            log.error({ running: running.size }, 'handlers ignored the abort; dropping connections');
            await worker.disconnect().catch(() => {});
          }
        }
        if (owned) await closeRedis(redis);
      })();
      return closing;
    },
  };
}

function isRedis(c: Redis | { url: string }): c is Redis {
  return typeof (c as Redis).duplicate === 'function';
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
