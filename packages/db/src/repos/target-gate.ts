// Latest wins, one at a time: before a target of application A on cluster C starts, the
// (A, C) pair is locked for the rest of the transaction, so no two executors (push workers,
// API replicas claiming for agents) can start applies of A to C at once. A newer target of the
// pair supersedes this one instead; a running one makes this one wait.
import type { Tx } from '../client.ts';
import { NotFoundError, TargetBusyError } from '../errors.ts';

export type GateDecision = { kind: 'go' } | { kind: 'superseded'; by: string };

/** Must run inside the transaction that then starts (or supersedes) the target: see startTarget. */
export async function passTargetGate(tx: Tx, targetId: string): Promise<GateDecision> {
  const row = await tx.deploymentTarget.findUnique({
    where: { id: targetId },
    select: { clusterId: true, deployment: { select: { applicationId: true } } },
  });
  if (row === null) throw new NotFoundError('target', targetId);
  const applicationId = row.deployment.applicationId;
  // Two-int advisory keys live apart from the audit chain's single-bigint key.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${applicationId}), hashtext(${row.clusterId}))`;
  const siblings = await tx.deploymentTarget.findMany({
    where: {
      clusterId: row.clusterId,
      deployment: { applicationId },
      id: { not: targetId },
      status: { in: ['queued', 'running', 'succeeded', 'failed'] },
    },
    select: { id: true, status: true },
    orderBy: { id: 'desc' },
  });
  const running = siblings.find((s) => s.status === 'running');
  const newer = siblings.find((s) => s.id > targetId);
  if (newer) return { kind: 'superseded', by: newer.id };
  if (running) throw new TargetBusyError(targetId, running.id);
  return { kind: 'go' };
}
