import type { Logger } from '@tether/core';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobCatalog, type JobDefinition, type JobName, type JobPayload, jobCatalog } from './catalog.ts';
import { InvalidJobPayloadError } from './errors.ts';
import { assertLane, DEFAULT_PREFIX } from './lanes.ts';
import { bounded } from './redis.ts';
import { validatePayload } from './validate.ts';

export interface ProducerOptions {
  /** Caller-owned; best created with role 'producer' so an outage fails fast. */
  redis: Redis;
  logger: Logger;
  prefix?: string;
  catalog?: JobCatalog;
  /** How long enqueue waits for a (re)connecting Redis before giving up. */
  readyTimeoutMs?: number;
  /** Upper bound for one enqueue call, whatever the connection settings. */
  timeoutMs?: number;
}

export interface EnqueueOptions {
  lane: string;
  delayMs?: number;
}

export type EnqueueRequest = {
  [N in JobName]: { name: N; payload: JobPayload<N> } & EnqueueOptions;
}[JobName];

export interface Producer {
  enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: EnqueueOptions,
  ): Promise<{ jobId: string }>;
  /** Validates all first (nothing is added if one is invalid), then one addBulk per lane. */
  enqueueMany(requests: EnqueueRequest[]): Promise<{ jobIds: string[] }>;
  close(): Promise<void>;
}

export function createProducer(opts: ProducerOptions): Producer {
  const { redis } = opts;
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const catalog = opts.catalog ?? jobCatalog;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 2_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const log = opts.logger.child({ component: 'queue-producer' });
  const queues = new Map<string, Queue>();

  function queueFor(lane: string): Queue {
    let q = queues.get(lane);
    if (!q) {
      assertLane(lane);
      // skipWaitingForReady + skipVersionCheck: otherwise BullMQ waits for 'ready' without a
      // bound, and a version check that fails while Redis is down breaks the Queue for good.
      q = new Queue(lane, { connection: redis, prefix, skipWaitingForReady: true, skipVersionCheck: true });
      q.on('error', (err) => log.warn({ err, lane }, 'queue error'));
      queues.set(lane, q);
    }
    return q;
  }

  function prepare(req: EnqueueRequest): { lane: string; name: string; data: unknown; opts: JobsOptions } {
    const checked = validatePayload(catalog, req.name, req.payload);
    if (!checked.ok) throw new InvalidJobPayloadError(req.name, checked.issues);
    const def: JobDefinition = catalog[req.name];
    const jobId = def.jobId?.(checked.payload);
    const dedupeId = def.dedupeId?.(checked.payload);
    return {
      lane: req.lane,
      name: req.name,
      data: checked.payload,
      opts: {
        attempts: def.attempts,
        backoff: def.backoff,
        removeOnComplete: def.removeOnComplete,
        removeOnFail: def.removeOnFail,
        ...(req.delayMs ? { delay: req.delayMs } : {}),
        ...(jobId === undefined ? {} : { jobId }),
        ...(dedupeId === undefined ? {} : { deduplication: { id: dedupeId } }),
      },
    };
  }

  const guarded = <T>(what: string, work: () => Promise<T>) =>
    bounded(redis, { readyTimeoutMs, timeoutMs }, what, work);

  return {
    async enqueue(name, payload, enqueueOpts) {
      const job = prepare({ name, payload, ...enqueueOpts } as EnqueueRequest);
      const queue = queueFor(job.lane);
      const added = await guarded('enqueue', () => queue.add(job.name, job.data, job.opts));
      const jobId = String(added.id);
      log.debug({ lane: job.lane, name, jobId }, 'job enqueued');
      return { jobId };
    },

    async enqueueMany(requests) {
      const jobs = requests.map(prepare);
      const byLane = new Map<string, { job: (typeof jobs)[number]; index: number }[]>();
      jobs.forEach((job, index) => {
        const entries = byLane.get(job.lane) ?? [];
        entries.push({ job, index });
        byLane.set(job.lane, entries);
      });
      const jobIds: string[] = new Array(jobs.length);
      await guarded('enqueueMany', async () => {
        for (const [lane, entries] of byLane) {
          const added = await queueFor(lane).addBulk(entries.map((e) => e.job));
          added.forEach((job, i) => {
            const entry = entries[i];
            if (entry) jobIds[entry.index] = String(job.id);
          });
        }
      });
      log.debug({ count: jobs.length, lanes: byLane.size }, 'jobs enqueued');
      return { jobIds };
    },

    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.allSettled(all.map((q) => q.close()));
    },
  };
}
