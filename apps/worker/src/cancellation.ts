// A running target may be cancelled through the API at any time. The worker watches its target
// while it works and aborts the attempt's signal when that happens; applyBundle and prune check
// the signal between objects, so the apply stops at the next object boundary.

import type { Logger } from '@tether/core';
import { type Db, getTarget } from '@tether/db';

const POLL_MS = 250;

export class CancelledByUser extends Error {
  constructor() {
    super('the deployment was cancelled');
    this.name = 'CancelledByUser';
  }
}

export interface CancellationWatch {
  /** Aborts when the job's own signal does, or when the target is cancelled. */
  signal: AbortSignal;
  stop(): void;
}

export function watchCancellation(
  db: Db,
  targetId: string,
  jobSignal: AbortSignal,
  logger: Logger,
): CancellationWatch {
  const cancelled = new AbortController();
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    getTarget(db, targetId)
      .then((t) => {
        if (t.status === 'cancelled' && !cancelled.signal.aborted) {
          logger.info('target cancelled; stopping at the next object boundary');
          cancelled.abort(new CancelledByUser());
        }
      })
      .catch((err: unknown) => logger.warn({ err }, 'could not check for cancellation'));
  }, POLL_MS);
  timer.unref();
  return {
    signal: AbortSignal.any([jobSignal, cancelled.signal]),
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
