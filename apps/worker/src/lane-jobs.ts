// The sweeper's view of the push lane: which state a target's job is in, and removing a finished
// job so the same jobId (= targetId) can be enqueued again. @tether/queue has no such call yet.

import type { createRedis } from '@tether/queue';
import { Queue } from 'bullmq';

export type RedisConnection = ReturnType<typeof createRedis>;

/** BullMQ's job states, or `missing` when Redis has no job with that id. */
export type LaneJobState =
  | 'missing'
  | 'waiting'
  | 'delayed'
  | 'prioritized'
  | 'waiting-children'
  | 'active'
  | 'completed'
  | 'failed';

export interface LaneJobs {
  state(jobId: string): Promise<LaneJobState>;
  /** Removes a job that is not active; false when it is locked by a worker. */
  remove(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createLaneJobs(opts: { redis: RedisConnection; prefix: string; lane: string }): LaneJobs {
  const queue = new Queue(opts.lane, {
    connection: opts.redis,
    prefix: opts.prefix,
    skipWaitingForReady: true,
    skipVersionCheck: true,
    skipMetasUpdate: true,
  });
  queue.on('error', () => {}); // Surfaced through the rejected calls.
  return {
    async state(jobId) {
      const s = await queue.getJobState(jobId);
      return s === 'unknown' ? 'missing' : s;
    },
    async remove(jobId) {
      return (await queue.remove(jobId)) === 1;
    },
    close: () => queue.close(),
  };
}
