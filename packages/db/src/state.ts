// The target state machine and how a deployment's status follows from its targets. Pure, so the
// API can also use it to explain a refusal before touching the database.
import type { DeploymentStatus, TargetStatus } from '../generated/prisma/client.ts';

/** Where a target may go from each state. Terminal states go nowhere: a re-sync is a new deployment. */
export const TARGET_TRANSITIONS: Readonly<Record<TargetStatus, readonly TargetStatus[]>> = {
  queued: ['running', 'cancelled', 'superseded'],
  // running -> queued is a retry after a failed attempt.
  running: ['succeeded', 'failed', 'queued', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
  superseded: [],
};

export const TERMINAL_TARGET_STATUSES: readonly TargetStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'superseded',
];

export function canTransition(from: TargetStatus, to: TargetStatus): boolean {
  return TARGET_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: TargetStatus | DeploymentStatus): boolean {
  return (TERMINAL_TARGET_STATUSES as readonly string[]).includes(status);
}

/**
 * A deployment is queued until any target starts, running while any target is unfinished, and
 * when all are finished: succeeded if all succeeded, else failed if any failed, else cancelled if
 * any was cancelled, else superseded (the rest succeeded or was replaced by a newer deployment).
 */
export function deploymentStatusOf(targets: readonly TargetStatus[]): DeploymentStatus {
  if (targets.length === 0) return 'succeeded';
  const unfinished = targets.some((s) => s === 'queued' || s === 'running');
  if (unfinished) return targets.every((s) => s === 'queued') ? 'queued' : 'running';
  if (targets.every((s) => s === 'succeeded')) return 'succeeded';
  if (targets.some((s) => s === 'failed')) return 'failed';
  if (targets.some((s) => s === 'cancelled')) return 'cancelled';
  return 'superseded';
}
