// Putting a queued target's job on the lane its cluster's mode calls for: after a push ↔ pull
// switch, when a claim finds a job on the wrong lane, and when the sweeper finds a job lost.
// A target's jobId is its id, so a finished job with that id must go first or it would swallow
// the new one (see @tether/queue's lane-jobs).
import type { Logger } from '@tether/core';
import type { QueuedTarget } from '@tether/db';
import { type ClusterMode, type LaneJobs, LIVE_STATES, laneFor, type Producer } from '@tether/queue';

export {
  createLaneJobs,
  type LaneJobState,
  type LaneJobs,
  LIVE_STATES,
  type RedisConnection,
} from '@tether/queue';

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
