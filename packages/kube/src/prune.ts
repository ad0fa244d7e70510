// Deletes what planPrune found, one object at a time in deletion order, each only if it is still
// the object that was planned (uid and resourceVersion preconditions; a changed object is judged
// again). With prune off the same plan is reported as orphans and nothing is deleted.
import type { Logger } from '@tether/core';
import { describeRef, type ObjectRef } from './client.ts';
import { isKubeError, KubeError } from './errors.ts';
import { FIELD_MANAGER } from './labels.ts';
import { pruneBlocker } from './ownership.ts';
import { type PruneCandidate, type PrunePlan, type PrunePlanOptions, planPrune } from './prune-plan.ts';

export type PruneAction = 'pruned' | 'orphaned' | 'skipped' | 'failed';

export interface PruneObjectResult {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: PruneAction;
  reason?: string;
  /** Set when action is 'failed'. */
  error?: KubeError;
}

export interface PruneResult {
  ok: boolean;
  /** Skipped and retained objects first, then the candidates handled, in deletion order. */
  results: PruneObjectResult[];
  /** Candidates not handled because of a failure or cancellation, in deletion order. */
  notAttempted: ObjectRef[];
  error?: KubeError;
}

export interface PruneProgress {
  result: PruneObjectResult;
  index: number;
  total: number;
}

export interface PruneOptions extends PrunePlanOptions {
  /** The application's prune policy: false reports the candidates as orphaned, deleting nothing. */
  enabled: boolean;
  logger: Logger;
  /** A plan made earlier (e.g. shown by a diff); planned afresh when omitted. */
  plan?: PrunePlan;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  onProgress?: (progress: PruneProgress) => void;
}

const ATTEMPTS = 3;

function resultOf(
  c: PruneCandidate,
  action: PruneAction,
  reason: string,
  error?: KubeError,
): PruneObjectResult {
  return {
    apiVersion: c.ref.apiVersion,
    kind: c.ref.kind,
    ...(c.ref.namespace ? { namespace: c.ref.namespace } : {}),
    name: c.ref.name,
    action,
    reason,
    ...(error ? { error } : {}),
  };
}

function toKubeError(err: unknown): KubeError {
  if (isKubeError(err)) return err;
  return new KubeError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

async function deleteOne(
  c: PruneCandidate,
  opts: PruneOptions,
  fieldManager: string,
): Promise<PruneObjectResult> {
  const { client } = opts;
  let uid = c.uid;
  let resourceVersion = c.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    try {
      const issued = await client.delete(c.ref, {
        propagationPolicy: opts.propagationPolicy ?? 'Background',
        preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
      });
      return resultOf(c, 'pruned', issued ? c.reason : 'already deleted');
    } catch (err) {
      if (!isKubeError(err) || err.code !== 'resource_conflict' || attempt >= ATTEMPTS) throw err;
    }
    // Changed since planned: judge the object as it is now.
    const live = await client.get(c.ref);
    if (!live) return resultOf(c, 'pruned', 'already deleted');
    if (uid && live.metadata.uid !== uid)
      return resultOf(c, 'skipped', 'replaced by a new object since planned');
    const blocker = pruneBlocker(live, opts.application, fieldManager);
    if (blocker) return resultOf(c, 'skipped', blocker);
    uid = live.metadata.uid ? String(live.metadata.uid) : undefined;
    resourceVersion = live.metadata.resourceVersion ? String(live.metadata.resourceVersion) : undefined;
  }
}

export async function prune(opts: PruneOptions): Promise<PruneResult> {
  const { signal } = opts;
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  const log = opts.logger.child({ application: opts.application, server: opts.client.server });
  let plan: PrunePlan;
  try {
    plan = opts.plan ?? (await planPrune(opts));
  } catch (err) {
    const error = toKubeError(err);
    log.warn({ err: error.toJSON() }, 'prune planning failed');
    return { ok: false, results: [], notAttempted: [], error };
  }
  const results: PruneObjectResult[] = plan.skipped.map((c) => resultOf(c, 'skipped', c.reason));
  results.push(...plan.retained.map((c) => resultOf(c, 'orphaned', c.reason)));
  for (const r of results)
    log.info({ object: describeRef(r), action: r.action, reason: r.reason }, 'not pruned');
  if (!opts.enabled) {
    results.push(...plan.prune.map((c) => resultOf(c, 'orphaned', `${c.reason}; prune is off`)));
    if (plan.prune.length > 0) log.info({ orphaned: plan.prune.length }, 'orphaned objects left in place');
    return { ok: true, results, notAttempted: [] };
  }
  let error: KubeError | undefined;
  let done = 0;
  for (const [index, c] of plan.prune.entries()) {
    if (signal?.aborted) {
      error = new KubeError('cancelled', `prune cancelled after ${index} of ${plan.prune.length} objects`);
      break;
    }
    let result: PruneObjectResult;
    try {
      result = await deleteOne(c, opts, fieldManager);
    } catch (err) {
      error = toKubeError(err);
      result = resultOf(c, 'failed', error.message, error);
    }
    done++;
    results.push(result);
    log.info({ object: describeRef(c.ref), action: result.action, reason: result.reason }, 'prune');
    try {
      opts.onProgress?.({ result, index, total: plan.prune.length });
    } catch (err) {
      log.warn({ err }, 'onProgress failed');
    }
    if (error) break;
  }
  const notAttempted = plan.prune.slice(done).map((c) => c.ref);
  if (error) {
    log.warn({ err: error.toJSON(), notAttempted: notAttempted.length }, 'prune stopped');
    return { ok: false, results, notAttempted, error };
  }
  return { ok: true, results, notAttempted };
}
