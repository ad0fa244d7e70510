// The sweeper's view of one lane (the push lane): @tether/queue's lane jobs, bound to that lane.
import { createLaneJobs as createJobsOfLanes, type LaneJobState, type RedisConnection } from '@tether/queue';

export type { LaneJobState, RedisConnection };

export interface LaneJobs {
  state(jobId: string): Promise<LaneJobState>;
  /** Removes a job that is not active; false when it is locked by a worker. */
  remove(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createLaneJobs(opts: { redis: RedisConnection; prefix: string; lane: string }): LaneJobs {
  const jobs = createJobsOfLanes({ redis: opts.redis, prefix: opts.prefix });
  return {
    state: (jobId) => jobs.state(opts.lane, jobId),
    remove: (jobId) => jobs.remove(opts.lane, jobId),
    close: () => jobs.close(),
  };
}
