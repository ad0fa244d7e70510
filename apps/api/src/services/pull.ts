// The REST side of the pull path: bootstrap tokens, which agents count as connected, and moving a
// cluster's queued jobs to the lane of its new mode.
import { TetherError } from '@tether/core';
import { type AuditContext, createBootstrapToken, type DbTx, type QueuedTarget } from '@tether/db';
import { type ClusterMode, laneFor } from '@tether/queue';
import type { AgentGateway } from '../agent/gateway.ts';
import { DEFAULT_BOOTSTRAP_TTL_MS } from '../agent/gateway.ts';
import { placeJob } from '../agent/lane-jobs.ts';
import type { AppDeps } from '../deps.ts';

export function requirePull(deps: AppDeps): AgentGateway {
  if (!deps.pull) throw new TetherError('unavailable', 'pull agents are not enabled on this API');
  return deps.pull;
}

/** Agents in a long poll are seen at least every ~30 s; give them that plus a lease TTL. */
export function connectedWindowMs(deps: AppDeps): number {
  return 30_000 + Math.max(30_000, deps.pull?.settings.leaseTtlMs ?? 0);
}

export async function issueBootstrapToken(
  deps: AppDeps,
  db: DbTx,
  clusterId: string,
  ctx: AuditContext,
): Promise<{ bootstrapToken: string; bootstrapTokenExpiresAt: string }> {
  const ttlMs = deps.pull?.settings.bootstrapTokenTtlMs ?? DEFAULT_BOOTSTRAP_TTL_MS;
  const { token, plaintext } = await createBootstrapToken(db, clusterId, { ttlMs }, ctx);
  return { bootstrapToken: plaintext, bootstrapTokenExpiresAt: token.expiresAt.toISOString() };
}

/**
 * After a mode switch has committed: each queued target's job moves to the new mode's lane.
 * Best effort: what cannot be placed now (Redis down, the old copy mid-claim) is found by the
 * sweepers (the push worker's and the gateway's), so nothing is lost.
 */
export async function moveQueuedJobs(
  deps: AppDeps,
  queued: QueuedTarget[],
  mode: ClusterMode,
): Promise<number> {
  let moved = 0;
  for (const t of queued) {
    try {
      if (deps.pull) {
        if (await placeJob(deps.pull, t, mode)) moved++;
      } else {
        const { targetId, deploymentId, applicationId, clusterId, sha } = t;
        await deps.producer.enqueue(
          'target.sync',
          { v: 1, targetId, deploymentId, applicationId, clusterId, sha },
          { lane: laneFor({ mode, clusterId }) },
        );
        moved++;
      }
    } catch (err) {
      deps.logger.warn({ err, targetId: t.targetId, mode }, 'could not move a queued job; the sweeper will');
    }
  }
  return moved;
}
