// Step 3 of an attempt: write its outcome (state change + audit event in one transaction, fenced by
// the lease epoch taken at start) and tell BullMQ what to do with the job next.
import type { Logger } from '@tether/core';
import {
  type AuditContext,
  type Db,
  failTarget,
  InvalidTransitionError,
  StaleLeaseError,
  succeedTarget,
  type TargetObjectResult,
} from '@tether/db';
import { type JobContext, PermanentJobError } from '@tether/queue';
import type { Failure } from './failure.ts';

export type AttemptOutcome =
  | { ok: true; objects: TargetObjectResult[] }
  | { ok: false; objects: TargetObjectResult[]; failure: Failure; shutdown: boolean };

export interface RecordInput {
  db: Db;
  audit: AuditContext;
  targetId: string;
  /** The lease epoch of our start: a takeover since then makes our report stale. */
  epoch: number;
  ctx: JobContext;
  logger: Logger;
}

export type SyncResult =
  | { status: 'succeeded'; objects: Record<string, number> }
  | { status: 'requeued'; reason: 'shutdown' }
  | { status: 'fenced' };

/** A transient failure recorded as a retry: BullMQ tries again after the catalog's backoff. */
export class RetryableAttemptError extends Error {
  readonly code: string;
  constructor(failure: Failure) {
    super(`${failure.code}: ${failure.message}`);
    this.name = 'RetryableAttemptError';
    this.code = failure.code;
  }
}

export async function recordOutcome(input: RecordInput, outcome: AttemptOutcome): Promise<SyncResult> {
  const { db, audit, targetId, epoch, ctx, logger: log } = input;
  try {
    if (outcome.ok) {
      await succeedTarget(db, targetId, audit, { objects: outcome.objects, epoch });
      const counts = countActions(outcome.objects);
      log.info({ objects: counts }, 'target succeeded');
      return { status: 'succeeded', objects: counts };
    }
    const { failure, objects } = outcome;
    const fail = { error: failure.message, errorCode: failure.code, objects, epoch };
    if (outcome.shutdown) {
      // The consumer already put the job back without spending an attempt.
      await failTarget(db, targetId, audit, { ...fail, retry: true, error: 'worker shut down mid-attempt' });
      log.warn('target returned to the queue at shutdown');
      return { status: 'requeued', reason: 'shutdown' };
    }
    if (failure.transient && !ctx.isFinalAttempt) {
      await failTarget(db, targetId, audit, { ...fail, retry: true });
      log.warn({ failure, attempt: ctx.attempt, maxAttempts: ctx.maxAttempts }, 'attempt failed; will retry');
      throw new RetryableAttemptError(failure);
    }
    await failTarget(db, targetId, audit, fail);
    log.error({ failure, attempt: ctx.attempt }, 'target failed');
    throw new PermanentJobError(`${failure.code}: ${failure.message}`);
  } catch (err) {
    if (err instanceof InvalidTransitionError || err instanceof StaleLeaseError) {
      log.warn({ err: err.message }, 'target was taken over meanwhile; outcome not recorded');
      return { status: 'fenced' };
    }
    throw err;
  }
}

function countActions(objects: TargetObjectResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.action] = (counts[o.action] ?? 0) + 1;
  return counts;
}
