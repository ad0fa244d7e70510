// Read-only views of lanes for /readyz, admin endpoints and tests.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertLane, DEFAULT_PREFIX } from './lanes.ts';
import { type Bounds, bounded } from './redis.ts';

export interface LaneCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  prioritized: number;
}

export interface JobSummary {
  id: string;
  name: string;
  state: string;
  data: unknown;
  attemptsMade: number;
  attemptsStarted: number;
  maxAttempts: number;
  failedReason?: string;
  returnValue: unknown;
  timestamp: number;
  processedOn?: number;
  finishedOn?: number;
}

export interface Inspector {
  getCounts(lane: string): Promise<LaneCounts>;
  getJob(lane: string, jobId: string): Promise<JobSummary | undefined>;
  close(): Promise<void>;
}

export function createInspector(opts: { redis: Redis; prefix?: string; timeoutMs?: number }): Inspector {
  const { redis } = opts;
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const bounds: Bounds = { readyTimeoutMs: 2_000, timeoutMs: opts.timeoutMs ?? 5_000 };
  const queues = new Map<string, Queue>();

  function queueFor(lane: string): Queue {
    let q = queues.get(lane);
    if (!q) {
      assertLane(lane);
      q = new Queue(lane, {
        connection: redis,
        prefix,
        skipWaitingForReady: true,
        skipVersionCheck: true,
        skipMetasUpdate: true,
      });
      q.on('error', () => {}); // Surfaced through the rejected calls instead.
      queues.set(lane, q);
    }
    return q;
  }

  return {
    getCounts: (lane) =>
      bounded(redis, bounds, 'getCounts', async () => {
        const c = await queueFor(lane).getJobCounts(
          'waiting',
          'active',
          'delayed',
          'completed',
          'failed',
          'prioritized',
        );
        return {
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
          prioritized: c.prioritized ?? 0,
        };
      }),

    getJob: (lane, jobId) =>
      bounded(redis, bounds, 'getJob', async () => {
        const q = queueFor(lane);
        const job = await q.getJob(jobId);
        if (!job) return undefined;
        return {
          id: String(job.id),
          name: job.name,
          state: await job.getState(),
          data: job.data,
          attemptsMade: job.attemptsMade,
          attemptsStarted: job.attemptsStarted,
          maxAttempts: job.opts.attempts ?? 1,
          ...(job.failedReason ? { failedReason: job.failedReason } : {}),
          returnValue: job.returnvalue,
          timestamp: job.timestamp,
          ...(job.processedOn ? { processedOn: job.processedOn } : {}),
          ...(job.finishedOn ? { finishedOn: job.finishedOn } : {}),
        };
      }),

    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.allSettled(all.map((q) => q.close()));
    },
  };
}
