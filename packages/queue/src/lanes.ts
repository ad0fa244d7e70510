// Lanes are BullMQ queue names. Push-mode targets share one lane that every push worker
// consumes; each pull-mode cluster has its own lane, from which the API claims on behalf of
// that cluster's agent.

export const DEFAULT_PREFIX = 'tether';
export const PUSH_LANE = 'target-sync';

export type ClusterMode = 'push' | 'pull';

// BullMQ forbids ':' in queue names; keep ids to a charset that is also safe in SCAN patterns.
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function laneFor(target: { mode: ClusterMode; clusterId: string }): string {
  if (target.mode === 'push') return PUSH_LANE;
  if (!CLUSTER_ID.test(target.clusterId))
    throw new Error(`invalid clusterId for a lane: "${target.clusterId}"`);
  return `${PUSH_LANE}.${target.clusterId}`;
}

/** The cluster id of a pull lane, undefined for the push lane or anything else. */
export function clusterOfLane(lane: string): string | undefined {
  if (!lane.startsWith(`${PUSH_LANE}.`)) return undefined;
  const id = lane.slice(PUSH_LANE.length + 1);
  return CLUSTER_ID.test(id) ? id : undefined;
}

export function assertLane(lane: string): void {
  if (lane !== PUSH_LANE && clusterOfLane(lane) === undefined) throw new Error(`not a lane: "${lane}"`);
}
