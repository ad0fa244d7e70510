import { TetherError } from '@tether/core';

export interface PayloadIssue {
  path: string;
  message: string;
}

/** The payload does not match the catalog schema: a bug in the caller, never retried. */
export class InvalidJobPayloadError extends Error {
  readonly code = 'invalid_job_payload' as const;
  readonly jobName: string;
  readonly issues: PayloadIssue[];

  constructor(jobName: string, issues: PayloadIssue[]) {
    const first = issues[0];
    super(`invalid_job_payload: ${jobName}${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`);
    this.name = 'InvalidJobPayloadError';
    this.jobName = jobName;
    this.issues = issues;
  }
}

/** Redis could not be reached in time; TetherError 'unavailable' so the API answers 503. */
export class QueueUnavailableError extends TetherError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, undefined, cause === undefined ? undefined : { cause });
    this.name = 'QueueUnavailableError';
  }
}

/** Thrown by a handler when retrying cannot help (bad manifest, cluster gone): no more attempts. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** The handler ran past the catalog's timeoutMs; its signal was aborted with this error. */
export class JobTimeoutError extends Error {
  readonly code = 'job_timeout' as const;
  readonly timeoutMs: number;

  constructor(jobName: string, timeoutMs: number) {
    super(`job_timeout: ${jobName} did not finish within ${timeoutMs}ms`);
    this.name = 'JobTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** A claimed job's lock is not held by this token any more (expired, or claimed by someone else). */
export class LockLostError extends Error {
  readonly code = 'lock_lost' as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LockLostError';
  }
}
