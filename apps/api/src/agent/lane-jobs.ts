// Putting a queued target's job on the lane its cluster's mode calls for: after a push ↔ pull
// switch, when a claim finds a job on the wrong lane, and when the sweeper finds a job lost.
// A target's jobId is its id, so a finished job with that id must go first or it would swallow
// the new one (@tether/queue has no removal call; BullMQ's Queue does it, on the shared connection).
import type { Logger } from '@tether/core';
import type { QueuedTarget } from '@tether/db';
import { type ClusterMode, type createRedis, laneFor, type Producer } from '@tether/queue';
import { Queue } from 'bullmq';

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

export interface PlaceDeps {
  producer: Producer;
  laneJobs: LaneJobs;
  logger: Logger;
}

/**
 * Makes sure the target's job waits on the lane of `mode`, and no longer on the other one.
 * Returns false when the job could not be placed now (the other lane's copy is running); the
 * sweeper tries again later.
 */
export async function placeJob(deps: PlaceDeps, t: QueuedTarget, mode: ClusterMode): Promise<boolean> {
  const lane = laneFor({ mode, clusterId: t.clusterId });
  const other = laneFor({ mode: mode === 'push' ? 'pull' : 'push', clusterId: t.clusterId });
  const otherState = await deps.laneJobs.state(other, t.targetId);
  if (otherState !== 'missing' && !(await deps.laneJobs.remove(other, t.targetId))) {
    deps.logger.warn({ targetId: t.targetId, lane: other }, 'job is running on the old lane; left to it');
    return false;
  }
  const state = await deps.laneJobs.state(lane, t.targetId);
  if (LIVE_STATES.has(state)) return true;
  if (state !== 'missing' && !(await deps.laneJobs.remove(lane, t.targetId))) return false;
  const { targetId, deploymentId, applicationId, clusterId, sha } = t;
  await deps.producer.enqueue(
    'target.sync',
    { v: 1, targetId, deploymentId, applicationId, clusterId, sha },
    { lane },
  );
  return true;
}
