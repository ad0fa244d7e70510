// What went wrong in an attempt, in the terms the target records: a stable code, a message that
// names the file or object, and whether another attempt could succeed.
import { isTetherError } from '@tether/core';
import { isKubeError } from '@tether/kube';
import { classifyRenderError } from '@tether/manifests';
import { JobTimeoutError } from '@tether/queue';

export interface Failure {
  code: string;
  message: string;
  /** Retrying may help (the cluster or the Git host was unavailable); else fail for good. */
  transient: boolean;
}

/** Thrown by the worker's own steps to fail with a specific code. */
export class AttemptError extends Error {
  readonly code: string;
  readonly transient: boolean;
  constructor(code: string, message: string, transient: boolean) {
    super(message);
    this.name = 'AttemptError';
    this.code = code;
    this.transient = transient;
  }
}

export function classifyFailure(err: unknown): Failure {
  if (err instanceof AttemptError) return { code: err.code, message: err.message, transient: err.transient };
  const render = classifyRenderError(err);
  if (render) return render;
  // Workloads that did not become healthy in time fail the target with the reason: waiting the
  // whole health timeout again on every retry would only delay the verdict.
  if (isKubeError(err))
    return {
      code: err.code,
      message: err.message,
      transient: err.code === 'health_timeout' ? false : err.transient,
    };
  // The job's deadline: the next attempt may be quicker (a slow cluster or Git host).
  if (err instanceof JobTimeoutError) return { code: err.code, message: err.message, transient: true };
  // e.g. the cluster row vanished (NotFoundError): nothing a retry can fix.
  if (isTetherError(err)) return { code: err.code, message: err.message, transient: err.status >= 500 };
  // A bug or an unexpected answer: retry, and fail for good on the last attempt.
  return { code: 'internal', message: err instanceof Error ? err.message : String(err), transient: true };
}

/** The consumer's close deadline passed: the job goes back to the queue without spending an attempt. */
export function isShutdownAbort(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'ShutdownAbort';
}
