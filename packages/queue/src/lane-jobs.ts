// A job's state on a lane, removing a finished one, and when a lane's next delayed job is due:
// what sweepers and lane moves need. A target's jobId is its id, so a finished job with that id
// must go before the target can be enqueued again. One BullMQ Queue object per lane, none with a
// connection of its own (the caller's shared connection carries every call).
import { Queue } from 'bullmq';
import type { createRedis } from './redis.ts';

export type RedisConnection = ReturnType<typeof createRedis>;

export type LaneJobState =
  | 'missing'
  | 'waiting'
  | 'delayed'
  | 'prioritized'
  | 'waiting-children'
  | 'active'
  | 'completed'
  | 'failed';

/** States in which the job will still be (or is being) run. */
export const LIVE_STATES: ReadonlySet<LaneJobState> = new Set([
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'active',
]);

export interface LaneJobs {
  state(lane: string, jobId: string): Promise<LaneJobState>;
  /** Removes a job that is not active; false when someone holds its lock. */
  remove(lane: string, jobId: string): Promise<boolean>;
  /** When the lane's earliest delayed job (a retry in backoff) becomes claimable, if any. */
  nextDueAt(lane: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export function createLaneJobs(opts: { redis: RedisConnection; prefix: string }): LaneJobs {
  // One Queue object per lane, none with a connection of its own.
  const queues = new Map<string, Queue>();
  const queueFor = (lane: string): Queue => {
    let q = queues.get(lane);
    if (!q) {
      q = new Queue(lane, {
        connection: opts.redis,
        prefix: opts.prefix,
        skipWaitingForReady: true,
        skipVersionCheck: true,
        skipMetasUpdate: true,
      });
      q.on('error', () => {}); // Surfaced through the rejected calls.
      queues.set(lane, q);
    }
    return q;
  };
  return {
    async state(lane, jobId) {
      const s = await queueFor(lane).getJobState(jobId);
      return s === 'unknown' ? 'missing' : s;
    },
    async remove(lane, jobId) {
      return (await queueFor(lane).remove(jobId)) === 1;
    },
    async nextDueAt(lane) {
      // BullMQ scores its delayed set by due time * 0x1000 (+ a counter in the low 12 bits).
      const [, score] = await opts.redis.zrange(`${opts.prefix}:${lane}:delayed`, 0, 0, 'WITHSCORES');
      return score === undefined ? undefined : Math.floor(Number(score) / 0x1000);
    },
    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.allSettled(all.map((q) => q.close()));
    },
  };
}
