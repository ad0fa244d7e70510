// Runs one picked-up job: validate, call the handler under a deadline, map errors to what
// BullMQ should do next (retry with backoff, fail for good, or put the job back).
import type { Logger } from '@tether/core';
import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import { isJobName, type JobCatalog, type JobName, type JobPayload } from './catalog.ts';
import { JobTimeoutError, PermanentJobError } from './errors.ts';
import { validatePayload } from './validate.ts';

export interface JobContext {
  jobId: string;
  name: JobName;
  lane: string;
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number;
  isFinalAttempt: boolean;
  /** Aborted on timeout, cancellation or a shutdown deadline: stop work and return. */
  signal: AbortSignal;
  logger: Logger;
  /** Keep the lock for ms more; BullMQ renews it on its own while the handler runs. */
  extendLock?: (ms: number) => Promise<void>;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

/** The abort reason used when the consumer's close deadline passes. */
export class ShutdownAbort extends Error {
  constructor() {
    super('consumer shutting down');
    this.name = 'ShutdownAbort';
  }
}

export interface ExecuteDeps {
  catalog: JobCatalog;
  handlers: JobHandlers;
  lane: string;
  logger: Logger;
  /** Running jobs' controllers, so close() can abort them. */
  running: Map<string, AbortController>;
}

export async function executeJob(
  deps: ExecuteDeps,
  job: Job,
  token: string,
  cancel?: AbortSignal,
): Promise<unknown> {
  const jobId = String(job.id);
  const log = deps.logger.child({ jobId, job: job.name, attempt: job.attemptsMade + 1 });
  if (!isJobName(job.name)) return refuse(log, `unknown job name "${job.name}"`);
  const name = job.name;
  const handler = deps.handlers[name] as JobHandler<JobName> | undefined;
  if (!handler) return refuse(log, `no handler for ${name} on lane ${deps.lane}`);
  const checked = validatePayload(deps.catalog, name, job.data);
  if (!checked.ok) {
    const first = checked.issues[0];
    return refuse(
      log,
      `invalid_job_payload: ${first?.path || '/'}: ${first?.message ?? 'invalid'}`,
      checked.issues,
    );
  }

  const { timeoutMs } = deps.catalog[name];
  const controller = new AbortController();
  const onCancel = () => controller.abort(cancel?.reason ?? new Error('job cancelled'));
  cancel?.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(() => controller.abort(new JobTimeoutError(name, timeoutMs)), timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(asError(controller.signal.reason)), {
      once: true,
    });
  });
  deps.running.set(jobId, controller);
  const maxAttempts = Math.max(1, job.opts.attempts ?? 1);
  const attempt = job.attemptsMade + 1;
  const ctx: JobContext = {
    jobId,
    name,
    lane: deps.lane,
    attempt,
    maxAttempts,
    isFinalAttempt: attempt >= maxAttempts,
    signal: controller.signal,
    logger: log,
    extendLock: async (ms) => {
      if ((await job.extendLock(token, ms)) !== 1) throw new Error(`lock for job ${jobId} is lost`);
    },
  };

  try {
    return await Promise.race([handler(checked.payload, ctx), aborted]);
  } catch (err) {
    if (err instanceof PermanentJobError) {
      log.error({ err }, 'job failed permanently');
      throw new UnrecoverableError(`permanent: ${err.message}`);
    }
    if (err instanceof ShutdownAbort) {
      // Back to wait without spending an attempt; another worker picks it up.
      await job.moveToWait(token);
      log.warn('job returned to the queue at shutdown');
      throw new WaitingError();
    }
    if (err instanceof JobTimeoutError)
      log.warn({ timeoutMs }, 'job timed out; the handler may still be running');
    throw err;
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', onCancel);
    deps.running.delete(jobId);
  }
}

function refuse(log: Logger, message: string, issues?: unknown): never {
  log.error({ issues }, `job refused: ${message}`);
  throw new UnrecoverableError(message);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`job aborted: ${String(reason)}`);
}
