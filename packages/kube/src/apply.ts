// Applies an application's rendered objects to one cluster with server-side apply: validate the
// whole bundle first, then apply in dependency order, one object at a time, stopping at the
// first failure or when cancelled (checked between objects; an object in flight completes).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@tether/core';
import { type KubeObject, type ManifestSource, orderForApply, type RenderedObject } from '@tether/manifests';
import { describeRef, type KubeClient, type ObjectRef } from './client.ts';
import { isKubeError, KubeError } from './errors.ts';
import { FIELD_MANAGER } from './labels.ts';
import { type PlannedObject, planBundle, planError } from './plan.ts';

/** `pruned`: deleted by a prune (see prune.ts), never produced by applyBundle itself. */
export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'failed' | 'pruned';

export interface ObjectResult {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ApplyAction;
  /** Set when action is 'failed'. */
  error?: KubeError;
  source?: ManifestSource;
}

export interface ApplyBundleResult {
  ok: boolean;
  /** The objects attempted, in apply order. */
  results: ObjectResult[];
  /** Objects not attempted because of an earlier failure or cancellation, in apply order. */
  notAttempted: ObjectRef[];
  /** The failure (the failing object's KubeError, a validation error, or `cancelled`). */
  error?: KubeError;
}

export interface ApplyProgress {
  result: ObjectResult;
  /** 0-based position in apply order. */
  index: number;
  total: number;
}

export interface ApplyBundleOptions {
  client: KubeClient;
  objects: readonly (RenderedObject | KubeObject)[];
  /** Application name: the `tether.dev/application` label value. */
  application: string;
  /** Namespace of namespaced objects that name none. */
  destinationNamespace: string;
  fieldManager?: string;
  /** Take over fields other managers own (default false: field_conflict fails the object). */
  force?: boolean;
  signal?: AbortSignal;
  logger: Logger;
  onProgress?: (progress: ApplyProgress) => void;
  /** How long to wait for the kinds of the bundle's CRDs to be served. Default 30 s. */
  crdWaitMs?: number;
}

const DEFAULT_CRD_WAIT_MS = 30_000;

function toKubeError(err: unknown): KubeError {
  if (isKubeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KubeError('internal', message, { cause: err });
}

function cancelledError(done: number, total: number): KubeError {
  return new KubeError('cancelled', `apply cancelled after ${done} of ${total} objects`);
}

/** The object's identity as written (before namespace defaulting). */
function declaredRef(o: RenderedObject | KubeObject): ObjectRef {
  const m = 'manifest' in o && 'source' in o && !('apiVersion' in o) ? o.manifest : (o as KubeObject);
  return {
    apiVersion: String(m.apiVersion),
    kind: String(m.kind),
    name: String(m.metadata?.name),
    ...(m.metadata?.namespace ? { namespace: m.metadata.namespace } : {}),
  };
}

function resultFor(p: PlannedObject, action: ApplyAction, error?: KubeError): ObjectResult {
  return {
    apiVersion: p.ref.apiVersion,
    kind: p.ref.kind,
    ...(p.ref.namespace ? { namespace: p.ref.namespace } : {}),
    name: p.ref.name,
    action,
    ...(error ? { error } : {}),
    ...(p.source ? { source: p.source } : {}),
  };
}

/** Polls discovery until a kind defined by a just-applied CRD is served, within `waitMs`. */
async function waitForKind(
  client: KubeClient,
  ref: ObjectRef,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const until = Date.now() + waitMs;
  let delay = 100;
  for (;;) {
    if (await client.resource(ref.apiVersion, ref.kind, { refresh: true, signal })) return;
    if (Date.now() >= until) {
      throw new KubeError(
        'unknown_kind',
        `${describeRef(ref)}: kind ${ref.kind} is still not served at ${ref.apiVersion} ${waitMs} ms after its CustomResourceDefinition was applied`,
        { transient: true, details: { server: client.server, object: describeRef(ref) } },
      );
    }
    await sleep(Math.min(delay, Math.max(until - Date.now(), 0)), undefined, { signal }).catch(
      () => undefined,
    );
    if (signal?.aborted) throw new KubeError('cancelled', `${describeRef(ref)}: cancelled`);
    delay = Math.min(delay * 2, 1000);
  }
}

async function applyOne(
  p: PlannedObject,
  opts: ApplyBundleOptions,
  fieldManager: string,
): Promise<ObjectResult> {
  const { client } = opts;
  // Per-object calls run to completion (each under the client's deadline): cancellation acts
  // between objects so every result is definite.
  const before = await client.get(p.ref);
  const after = await client.apply(p.manifest, { fieldManager, force: opts.force === true });
  if (!before) return resultFor(p, 'created');
  const changed = before.metadata.resourceVersion !== after.metadata.resourceVersion;
  return resultFor(p, changed ? 'configured' : 'unchanged');
}

export async function applyBundle(opts: ApplyBundleOptions): Promise<ApplyBundleResult> {
  const { client, signal } = opts;
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  const log = opts.logger.child({ application: opts.application, server: client.server });
  const all = orderForApply(opts.objects);

  let planned: PlannedObject[];
  try {
    const plan = await planBundle({ ...opts, objects: all, signal });
    if (plan.problems.length > 0) {
      const error = planError(plan.problems, client.server);
      log.warn({ err: error.toJSON() }, 'bundle rejected before apply');
      return { ok: false, results: [], notAttempted: plan.planned.map((p) => p.ref), error };
    }
    planned = plan.planned;
  } catch (err) {
    const error = toKubeError(err);
    log.warn({ err: error.toJSON() }, 'bundle validation failed');
    return { ok: false, results: [], notAttempted: all.map(declaredRef), error };
  }

  const results: ObjectResult[] = [];
  const waited = new Set<string>();
  const crdWaitMs = opts.crdWaitMs ?? DEFAULT_CRD_WAIT_MS;
  let error: KubeError | undefined;
  for (const [index, p] of planned.entries()) {
    if (signal?.aborted) {
      error = cancelledError(index, planned.length);
      break;
    }
    let result: ObjectResult;
    try {
      const kindKey = `${p.ref.apiVersion}|${p.ref.kind}`;
      if (!p.served && !waited.has(kindKey)) {
        await waitForKind(client, p.ref, crdWaitMs, signal);
        waited.add(kindKey);
      }
      result = await applyOne(p, opts, fieldManager);
    } catch (err) {
      const e = toKubeError(err);
      if (e.code === 'cancelled') {
        error = e;
        break;
      }
      result = resultFor(p, 'failed', e);
      error = e;
    }
    results.push(result);
    log.debug({ object: describeRef(p.ref), action: result.action }, 'object applied');
    try {
      opts.onProgress?.({ result, index, total: planned.length });
    } catch (err) {
      log.warn({ err }, 'onProgress failed');
    }
    if (error) break;
  }
  const notAttempted = planned.slice(results.length).map((p) => p.ref);
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.action] = (counts[r.action] ?? 0) + 1;
  if (error) {
    log.warn({ err: error.toJSON(), counts, notAttempted: notAttempted.length }, 'apply stopped');
    return { ok: false, results, notAttempted, error };
  }
  log.info({ counts }, 'applied');
  return { ok: true, results, notAttempted };
}
