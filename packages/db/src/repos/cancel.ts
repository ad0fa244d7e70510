// Cancelling a deployment: every target not finished yet ends `cancelled` now. A running target's
// executor notices (the push worker polls its target, a pull agent hears it on its next
// heartbeat) and stops at the next object boundary; its late report is refused as a transition
// out of a terminal state.
import type { AuditContext } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { InvalidTransitionError, NotFoundError } from '../errors.ts';
import { isTerminal } from '../state.ts';
import { type DeploymentRecord, getDeployment } from './deployments.ts';
import { cancelTarget } from './targets.ts';

export function cancelDeployment(
  db: DbTx,
  deploymentId: string,
  ctx: AuditContext,
): Promise<DeploymentRecord> {
  return withTx(db, async (tx) => {
    const deployment = await tx.deployment.findUnique({
      where: { id: deploymentId },
      select: { id: true, status: true },
    });
    if (deployment === null) throw new NotFoundError('deployment', deploymentId);
    if (isTerminal(deployment.status)) {
      throw new InvalidTransitionError('deployment', deploymentId, deployment.status, 'cancelled');
    }
    const open = await tx.deploymentTarget.findMany({
      where: { deploymentId, status: { in: ['queued', 'running'] } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    const who = `${ctx.actor.type}:${ctx.actor.name}`;
    for (const t of open) await cancelTarget(tx, t.id, ctx, { reason: `cancelled by ${who}` });
    return getDeployment(tx, deploymentId);
  });
}
