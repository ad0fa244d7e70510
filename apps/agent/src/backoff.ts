// Jittered exponential backoff: while the control plane is unreachable, waits grow from minMs to
// maxMs, each drawn from the upper half of its cap ("equal jitter") so a fleet of agents that lost
// the control plane together does not come back in lockstep, yet none retries faster than cap/2.
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
}

/** The cap for the n-th consecutive failure (0-based): min(maxMs, minMs·2ⁿ). */
export function backoffCap(attempt: number, opts: BackoffOptions): number {
  const exp = opts.minMs * 2 ** Math.min(Math.max(attempt, 0), 52);
  return Math.min(opts.maxMs, exp);
}

/** A delay in [cap/2, cap] for the n-th consecutive failure. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const cap = backoffCap(attempt, opts);
  const r = (opts.random ?? Math.random)();
  return Math.round(cap / 2 + (r * cap) / 2);
}

export interface Backoff {
  /** Waits the next delay (resolves early, without throwing, when the signal aborts). */
  wait(signal?: AbortSignal): Promise<void>;
  /** A success: the next failure starts from minMs again. */
  reset(): void;
  readonly failures: number;
}

export function createBackoff(opts: BackoffOptions): Backoff {
  let failures = 0;
  return {
    async wait(signal) {
      const ms = backoffDelay(failures, opts);
      failures++;
      await sleep(ms, undefined, { signal }).catch(() => undefined);
    },
    reset() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}
