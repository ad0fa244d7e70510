// The job catalog: every job name with its payload schema and execution policy. Producers,
// push workers and (later) the pull-mode agent gateway all read this one table, so a payload
// is validated the same way wherever it is produced or picked up.
import { type Static, type TSchema, Type } from 'typebox';

/** BullMQ KeepJobs: keep at most `count` finished jobs, none older than `age` seconds. */
export interface Retention {
  age: number;
  count: number;
}

export interface JobPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Retry n waits about delay * 2^(n-1) ms, randomly shortened by up to `jitter` (0..1). */
  backoff: { type: 'exponential'; delay: number; jitter: number };
  /** The consumer aborts the handler's signal and fails the attempt after this long. */
  timeoutMs: number;
  removeOnComplete: Retention;
  removeOnFail: Retention;
}

export interface JobDefinition<S extends TSchema = TSchema> extends JobPolicy {
  schema: S;
  /** The literal `v` of the schema; a consumer refuses any other version. */
  version: number;
  /** A stable BullMQ jobId: adding the same id twice keeps one job (idempotent enqueue). */
  jobId?(payload: Static<S>): string;
  /** Collapse duplicates only while one is pending (BullMQ deduplication). */
  dedupeId?(payload: Static<S>): string;
}

function defineJob<S extends TSchema>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
const Sha = Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' });

export const TargetSyncPayload = Type.Object(
  {
    v: Type.Literal(1),
    targetId: Id,
    deploymentId: Id,
    applicationId: Id,
    clusterId: Id,
    sha: Sha,
  },
  { additionalProperties: false },
);

export const AppReconcilePayload = Type.Object(
  { v: Type.Literal(1), applicationId: Id, clusterId: Id },
  { additionalProperties: false },
);

const DAY = 24 * 3600;

export const jobCatalog = {
  /** Apply one DeploymentTarget row. One job per row: jobId = targetId. */
  'target.sync': defineJob({
    schema: TargetSyncPayload,
    version: 1,
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000, jitter: 0.3 },
    timeoutMs: 10 * 60_000,
    removeOnComplete: { age: DAY, count: 5_000 },
    removeOnFail: { age: 7 * DAY, count: 20_000 },
    jobId: (p) => p.targetId,
  }),
  /** Periodic drift check of one application on one cluster; at most one pending per pair. */
  'app.reconcile': defineJob({
    schema: AppReconcilePayload,
    version: 1,
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000, jitter: 0.3 },
    timeoutMs: 5 * 60_000,
    removeOnComplete: { age: 3600, count: 1_000 },
    removeOnFail: { age: DAY, count: 5_000 },
    dedupeId: (p) => `${p.applicationId}.${p.clusterId}`,
  }),
};

export type JobCatalog = typeof jobCatalog;
export type JobName = keyof JobCatalog;
export type JobPayload<N extends JobName> = Static<JobCatalog[N]['schema']>;

export const jobNames = Object.keys(jobCatalog) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}

/** The catalog with some policies replaced (tests, or tuning from config); schemas never change. */
export function withPolicies(
  overrides: { [N in JobName]?: Partial<JobPolicy> },
  base: JobCatalog = jobCatalog,
): JobCatalog {
  const ts = overrides['target.sync'];
  const ar = overrides['app.reconcile'];
  return {
    'target.sync': ts ? { ...base['target.sync'], ...ts } : base['target.sync'],
    'app.reconcile': ar ? { ...base['app.reconcile'], ...ar } : base['app.reconcile'],
  };
}
