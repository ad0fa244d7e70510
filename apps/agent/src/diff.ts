// A diff request from the control plane: what applying the named bundle would create, change (which
// fields), prune or leave unchanged on this cluster, by server-side apply dry-run (@tether/kube's
// diffBundle, as the control plane runs it for push clusters). Nothing is changed. The answer is
// posted to /agent/v1/diffs/{requestId}: the objects, or why there are none.
import type { Logger } from '@tether/core';
import { diffBundle, inventoryKey, isKubeError, type KubeClient, type ObjectDiff } from '@tether/kube';
import type { AgentClient, DiffAnswer, DiffObjectReport, DiffRequest } from './client.ts';
import { type FetchBundleDeps, fetchVerifiedBundle } from './fetch-bundle.ts';
import { errText } from './lease.ts';
import { type Bundle, BundleRejected } from './verify.ts';

export interface DiffDeps extends FetchBundleDeps {
  client: AgentClient;
  connectKube: () => KubeClient;
  logger: Logger;
}

/** Past the request's deadline nobody reads the answer: stop then (bounded anyway). */
const FALLBACK_DEADLINE_MS = 60_000;

export async function answerDiff(deps: DiffDeps, req: DiffRequest, stop: AbortSignal): Promise<void> {
  const logger = deps.logger.child({ requestId: req.requestId, application: req.application });
  const left = Number.isFinite(req.expiresAt) ? req.expiresAt - Date.now() : FALLBACK_DEADLINE_MS;
  const signal = AbortSignal.any([
    stop,
    AbortSignal.timeout(Math.max(1, Math.min(left, FALLBACK_DEADLINE_MS))),
  ]);
  logger.info({ namespace: req.namespace, sha: req.sha }, 'diff request claimed');
  const answer = await compute({ ...deps, logger }, req, signal);
  if (signal.aborted) {
    logger.info('diff not answered: the control plane stopped waiting (or we are stopping)');
    return;
  }
  try {
    await deps.client.answerDiff(req.requestId, answer, stop);
    logger.info(
      'objects' in answer ? { objects: answer.objects.length } : { error: answer.error.code },
      'diff answered',
    );
  } catch (err) {
    // 404: the asker gave up meanwhile. Either way there is nobody to retry for.
    logger.warn({ err: errText(err) }, 'diff answer not delivered');
  }
}

async function compute(deps: DiffDeps, req: DiffRequest, signal: AbortSignal): Promise<DiffAnswer> {
  let objects: Bundle['objects'];
  try {
    objects = (await fetchVerifiedBundle(deps, req, signal)).objects;
  } catch (err) {
    if (err instanceof BundleRejected) {
      deps.logger.error({ check: err.check, reason: err.message }, 'diff bundle refused');
      return { error: { code: 'bundle_rejected', message: err.message } };
    }
    return { error: { code: 'bundle_unavailable', message: errText(err) } };
  }
  let kube: KubeClient | undefined;
  try {
    kube = deps.connectKube();
    const diff = await diffBundle({
      client: kube,
      objects,
      application: req.application,
      destinationNamespace: req.namespace,
      inventory: req.inventory.map((ref) => ({ key: inventoryKey(ref), ...ref })),
      prune: true,
      signal,
    });
    return { objects: diff.objects.map(view) };
  } catch (err) {
    if (isKubeError(err)) return { error: { code: err.code, message: err.message } };
    return { error: { code: 'internal', message: errText(err) } };
  } finally {
    await kube?.close().catch(() => undefined);
  }
}

function view(d: ObjectDiff): DiffObjectReport {
  return {
    apiVersion: d.ref.apiVersion,
    kind: d.ref.kind,
    ...(d.ref.namespace ? { namespace: d.ref.namespace } : {}),
    name: d.ref.name,
    action: d.action,
    ...(d.changes ? { changes: d.changes } : {}),
    ...(d.conflicts ? { conflicts: d.conflicts } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}
