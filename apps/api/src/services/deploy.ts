import {
  type AuditContext,
  type CreateDeploymentInput,
  createDeployment,
  type DeploymentRecord,
  type Tx,
  withTx,
} from '@tether/db';
import { targetSyncJobs } from '@tether/queue';
import type { AppDeps } from '../deps.ts';

/**
 * Creates deployments and enqueues their targets so that the caller's answer means "durable":
 * the jobs are added while the transaction is still open, and a Redis failure rolls the rows
 * back (503). Should the commit itself fail after the enqueue, the worker drops jobs whose
 * target row does not exist, so nothing half-done survives either way.
 */
export async function createAndEnqueue(
  deps: Pick<AppDeps, 'db' | 'producer'>,
  inputs: CreateDeploymentInput[],
  ctx: AuditContext,
  hooks: {
    /** Runs first in the transaction (e.g. claim the webhook delivery id). */
    before?: (tx: Tx) => Promise<void>;
    /** Runs last, with what was created (e.g. store the delivery's answer). */
    after?: (tx: Tx, created: DeploymentRecord[]) => Promise<void>;
  } = {},
): Promise<DeploymentRecord[]> {
  return withTx(deps.db, async (tx) => {
    if (hooks.before) await hooks.before(tx);
    const created: DeploymentRecord[] = [];
    for (const input of inputs) created.push(await createDeployment(tx, input, ctx));
    const jobs = targetSyncJobs(created);
    if (hooks.after) await hooks.after(tx, created);
    if (jobs.length > 0) await deps.producer.enqueueMany(jobs);
    return created;
  });
}
