// Manual claiming for the pull path: the API claims a per-cluster lane's next job on behalf of
// an agent, which then extends, completes or fails it by (jobId, lockToken) over HTTPS, from
// whichever API replica it reaches. Same jobs, payloads and state machine as push workers.
import type { Logger } from '@tether/core';
import { createRedisBackend, Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isJobName, type JobCatalog, type JobName, type JobPayload, jobCatalog } from './catalog.ts';
import { LockLostError } from './errors.ts';
import { createLaneWatcher, type JobAddedCallback, wakeLane } from './lane-watch.ts';
import { assertLane, DEFAULT_PREFIX } from './lanes.ts';
import { type Bounds, bounded } from './redis.ts';
import { validatePayload } from './validate.ts';

export interface ClaimerOptions {
  /** Shared by every lane; a role 'producer' connection keeps claims fail-fast in the API. */
  redis: Redis;
  logger: Logger;
  prefix?: string;
  catalog?: JobCatalog;
  /** Default lock for claimNext. */
  lockDurationMs?: number;
  /** How often expired claims are moved back to wait (BullMQ stalled check). */
  stalledIntervalMs?: number;
  readyTimeoutMs?: number;
  timeoutMs?: number;
}

export type ClaimedJob = {
  [N in JobName]: {
    jobId: string;
    name: N;
    lane: string;
    payload: JobPayload<N>;
    attempt: number;
    maxAttempts: number;
    isFinalAttempt: boolean;
  };
}[JobName];

export interface Claimer {
  /** The lane's next job locked to lockToken for lockDurationMs, or undefined; never blocks. */
  claimNext(lane: string, lockToken: string, lockDurationMs?: number): Promise<ClaimedJob | undefined>;
  /** Throws LockLostError when the token no longer holds the lock. */
  extendLock(lane: string, jobId: string, lockToken: string, lockDurationMs: number): Promise<void>;
  complete(lane: string, jobId: string, lockToken: string, result?: unknown): Promise<void>;
  /** Transient failures are retried with the job's backoff; permanent ones are final. */
  fail(
    lane: string,
    jobId: string,
    lockToken: string,
    reason: string,
    opts?: { permanent?: boolean },
  ): Promise<void>;
  onJobAdded(lane: string, callback: JobAddedCallback): Promise<() => void>;
  /** Wakes every onJobAdded callback of the lane, in any process, without adding a job. */
  wake(lane: string): Promise<void>;
  close(): Promise<void>;
}

export function createClaimer(opts: ClaimerOptions): Claimer {
  const { redis } = opts;
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const catalog = opts.catalog ?? jobCatalog;
  const lockDuration = opts.lockDurationMs ?? 30_000;
  const bounds: Bounds = {
    readyTimeoutMs: opts.readyTimeoutMs ?? 2_000,
    timeoutMs: opts.timeoutMs ?? 10_000,
  };
  const log = opts.logger.child({ component: 'queue-claimer' });
  const watcher = createLaneWatcher({ redis, prefix, logger: opts.logger });
  // One BullMQ Worker object per lane is unavoidable (getNextJob and job locks live on it), but
  // none of them opens a connection: no blocking connection, and the main one is `redis` shared.
  const lanes = new Map<string, Worker>();

  function laneWorker(lane: string): Worker {
    let w = lanes.get(lane);
    if (!w) {
      assertLane(lane);
      w = new Worker(
        lane,
        null,
        {
          connection: redis,
          prefix,
          autorun: false,
          lockDuration,
          stalledInterval: opts.stalledIntervalMs ?? 30_000,
          skipWaitingForReady: true,
          skipVersionCheck: true,
        },
        (name, o) => createRedisBackend(name, o, { withBlockingConnection: false }),
      );
      w.on('error', (err) => log.warn({ err, lane }, 'lane worker error'));
      w.startStalledCheckTimer().catch((err: unknown) => log.warn({ err, lane }, 'stalled checker failed'));
      lanes.set(lane, w);
    }
    return w;
  }

  async function heldJob(lane: string, jobId: string): Promise<Job> {
    const job = await Job.fromId(laneWorker(lane), jobId);
    if (!job) throw new LockLostError(`job ${jobId} not found on ${lane}`);
    return job;
  }

  const lockErrors = (err: unknown): unknown =>
    err instanceof Error && /lock|not in the active state/i.test(err.message)
      ? new LockLostError(err.message, { cause: err })
      : err;

  async function claimOnce(
    lane: string,
    token: string,
    ms: number,
  ): Promise<ClaimedJob | 'refused' | undefined> {
    const worker = laneWorker(lane);
    const job = await worker.getNextJob(token, { block: false });
    if (!job) return undefined;
    const jobId = String(job.id);
    const checked = isJobName(job.name) ? validatePayload(catalog, job.name, job.data) : undefined;
    if (!checked?.ok) {
      const why = checked
        ? `invalid_job_payload: ${checked.issues[0]?.message}`
        : `unknown job name "${job.name}"`;
      log.error({ lane, jobId, issues: checked?.issues }, `claimed job refused: ${why}`);
      await job.moveToFailed(new UnrecoverableError(why), token, false);
      return 'refused';
    }
    if (ms !== lockDuration) await extend(worker, jobId, token, ms);
    const maxAttempts = Math.max(1, job.opts.attempts ?? 1);
    const attempt = job.attemptsMade + 1;
    return {
      jobId,
      name: job.name,
      lane,
      payload: checked.payload,
      attempt,
      maxAttempts,
      isFinalAttempt: attempt >= maxAttempts,
    } as ClaimedJob;
  }

  async function extend(worker: Worker, jobId: string, token: string, ms: number): Promise<void> {
    const failed = await worker.extendJobLocks([jobId], [token], ms);
    if (failed.length > 0) throw new LockLostError(`lock for job ${jobId} is not held by this token`);
  }

  return {
    claimNext: (lane, token, ms = lockDuration) =>
      bounded(redis, bounds, 'claimNext', async () => {
        // Refused (corrupt) jobs are failed on the spot; look at the next one, within reason.
        for (let i = 0; i < 10; i++) {
          const got = await claimOnce(lane, token, ms);
          if (got !== 'refused') return got;
        }
        return undefined;
      }),

    extendLock: (lane, jobId, token, ms) =>
      bounded(redis, bounds, 'extendLock', () => extend(laneWorker(lane), jobId, token, ms)),

    complete: (lane, jobId, token, result) =>
      bounded(redis, bounds, 'complete', async () => {
        const job = await heldJob(lane, jobId);
        await job.moveToCompleted(result ?? null, token, false).catch((err: unknown) => {
          throw lockErrors(err);
        });
      }),

    fail: (lane, jobId, token, reason, failOpts = {}) =>
      bounded(redis, bounds, 'fail', async () => {
        const job = await heldJob(lane, jobId);
        const err = failOpts.permanent ? new UnrecoverableError(`permanent: ${reason}`) : new Error(reason);
        await job.moveToFailed(err, token, false).catch((e: unknown) => {
          throw lockErrors(e);
        });
      }),

    async onJobAdded(lane, callback) {
      let subscribing: Promise<() => void> | undefined;
      try {
        return await bounded(redis, bounds, 'onJobAdded', () => {
          subscribing = watcher.onJobAdded(lane, callback);
          return subscribing;
        });
      } catch (err) {
        // Gave up waiting: do not leave a subscription nobody can cancel.
        subscribing?.then((stop) => stop()).catch(() => {});
        throw err;
      }
    },

    wake: (lane) => bounded(redis, bounds, 'wake', () => wakeLane(redis, prefix, lane)),

    async close() {
      await watcher.close();
      const all = [...lanes.values()];
      lanes.clear();
      await Promise.allSettled(all.map((w) => w.close()));
    },
  };
}
