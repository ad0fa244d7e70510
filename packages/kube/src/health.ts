// Waits for applied objects to become healthy, polling their status: done when all are healthy,
// ended early by a degraded one (health_degraded), bounded by timeoutMs (health_timeout).
// Never throws for the cluster or the objects: the outcome carries the error.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectResult } from './apply.ts';
import { describeRef, type KubeClient, type ObjectRef } from './client.ts';
import { isKubeError, KubeError } from './errors.ts';
import { assessHealth, type HealthStatus } from './health-rules.ts';

export interface ObjectHealth {
  ref: ObjectRef;
  status: HealthStatus;
  reason?: string;
  message?: string;
}

export interface WaitHealthyOptions {
  client: KubeClient;
  /** Apply results (failed and pruned ones are ignored) or refs. */
  objects: readonly (ObjectResult | ObjectRef)[];
  timeoutMs: number;
  /** Between polls of the objects not healthy yet. Default 1 s. */
  pollMs?: number;
  signal?: AbortSignal | undefined;
  /** Called after every poll with every object's health so far. */
  onPoll?: (objects: readonly ObjectHealth[]) => void;
}

export interface WaitHealthyResult {
  healthy: boolean;
  objects: ObjectHealth[];
  /** health_degraded, health_timeout, cancelled, or the cluster's permanent error. */
  error?: KubeError;
}

const DEFAULT_POLL_MS = 1000;
const CONCURRENCY = 8;

function toRef(o: ObjectResult | ObjectRef): ObjectRef | undefined {
  if ('action' in o && (o.action === 'failed' || o.action === 'pruned')) return undefined;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
  };
}

function describe(h: ObjectHealth): string {
  return `${describeRef(h.ref)}: ${h.reason ?? h.status}`;
}

export async function waitHealthy(opts: WaitHealthyOptions): Promise<WaitHealthyResult> {
  const { client, signal } = opts;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const objects: ObjectHealth[] = [];
  for (const o of opts.objects) {
    const ref = toRef(o);
    if (ref) objects.push({ ref, status: 'progressing', reason: 'not checked yet' });
  }
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const details = () => ({
    server: client.server,
    objects: objects.map((h) => ({ ...h, ref: { ...h.ref } })),
  });
  const outcome = (error?: KubeError): WaitHealthyResult => ({
    healthy: error === undefined,
    objects,
    ...(error ? { error } : {}),
  });
  const interrupted = (): WaitHealthyResult => {
    if (signal?.aborted)
      return outcome(new KubeError('cancelled', 'health wait cancelled', { details: details() }));
    const waiting = objects.filter((h) => h.status !== 'healthy');
    return outcome(
      new KubeError(
        'health_timeout',
        `not healthy after ${opts.timeoutMs} ms: ${waiting.map(describe).join('; ')}`,
        { details: details() },
      ),
    );
  };

  for (;;) {
    if (stop.aborted) return interrupted();
    const pending = objects.filter((h) => h.status !== 'healthy');
    try {
      for (let i = 0; i < pending.length; i += CONCURRENCY) {
        await Promise.all(
          pending.slice(i, i + CONCURRENCY).map(async (h) => {
            const live = await client.get(h.ref, { signal: stop });
            const health = live
              ? assessHealth(live)
              : { status: 'progressing' as const, reason: 'not found' };
            h.status = health.status;
            if (health.reason === undefined) delete h.reason;
            else h.reason = health.reason;
            if (health.message === undefined) delete h.message;
            else h.message = health.message;
          }),
        );
      }
    } catch (err) {
      if (stop.aborted) return interrupted();
      // A blip between polls is retried until the deadline; a permanent error ends the wait.
      if (!isKubeError(err) || !err.transient) {
        return outcome(isKubeError(err) ? err : new KubeError('internal', String(err), { cause: err }));
      }
    }
    try {
      opts.onPoll?.(objects);
    } catch {
      // An observer's failure is not the rollout's.
    }
    const degraded = objects.filter((h) => h.status === 'degraded');
    if (degraded.length > 0) {
      return outcome(
        new KubeError('health_degraded', degraded.map(describe).join('; '), { details: details() }),
      );
    }
    if (objects.every((h) => h.status === 'healthy')) return outcome();
    await sleep(pollMs, undefined, { signal: stop }).catch(() => undefined);
  }
}
