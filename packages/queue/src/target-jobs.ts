import { type ClusterMode, laneFor } from './lanes.ts';
import type { EnqueueRequest } from './producer.ts';

/** The shape of a created deployment that enqueueing needs (structural: no database types here). */
export interface DeploymentToQueue {
  id: string;
  applicationId: string;
  sha: string;
  targets: ReadonlyArray<{ id: string; clusterId: string; clusterMode: ClusterMode }>;
}

/** One `target.sync` job per target, on its cluster's lane: the same jobs for push and pull. */
export function targetSyncJobs(deployments: readonly DeploymentToQueue[]): EnqueueRequest[] {
  return deployments.flatMap((d) =>
    d.targets.map((t) => ({
      name: 'target.sync' as const,
      lane: laneFor({ mode: t.clusterMode, clusterId: t.clusterId }),
      payload: {
        v: 1 as const,
        targetId: t.id,
        deploymentId: d.id,
        applicationId: d.applicationId,
        clusterId: t.clusterId,
        sha: d.sha,
      },
    })),
  );
}
