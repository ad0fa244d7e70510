// DELETE: immediate removal, or a deletionTimestamp while finalizers remain; namespaces go
// through Terminating and are emptied by the namespace controller.
import { conflict, forbidden } from '../errors.ts';
import type { KubeObject } from '../types.ts';
import { clone, rfc3339 } from '../util.ts';
import { persist, requireWritable } from './commit.ts';
import { grOf, type OpContext } from './context.ts';
import { getLive } from './update.ts';

export interface DeleteOptions {
  propagationPolicy?: string | undefined;
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  gracePeriodSeconds?: number | undefined;
}

export interface DeleteResult {
  object: KubeObject;
  /** True when the object is gone; false when it now waits for finalizers. */
  deleted: boolean;
}

const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export function deleteObject(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions,
): DeleteResult {
  const live = getLive(ctx, namespace, name);
  requireWritable(ctx, 'delete', name, namespace);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== live.metadata.uid) {
    throw conflict(
      grOf(ctx.def),
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid ?? ''}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      grOf(ctx.def),
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion ?? ''}`,
    );
  }
  const isNamespace = !ctx.def.crd && ctx.def.kind === 'Namespace';
  if (isNamespace && UNDELETABLE_NAMESPACES.has(name)) {
    throw forbidden(grOf(ctx.def), name, 'this namespace may not be deleted');
  }
  const hasFinalizers = (live.metadata.finalizers ?? []).length > 0;
  if (isNamespace || hasFinalizers) {
    if (live.metadata.deletionTimestamp) return { object: live, deleted: false };
    const after = clone(live);
    after.metadata.deletionTimestamp = rfc3339(ctx.cluster.now());
    after.metadata.deletionGracePeriodSeconds = 0;
    if (ctx.def.generation && after.metadata.generation !== undefined) after.metadata.generation += 1;
    if (isNamespace) after.status = { ...(after.status as object | undefined), phase: 'Terminating' };
    return { object: persist(ctx, live, after, { explicitManagedFields: true }).object, deleted: false };
  }
  if (ctx.dryRun) return { object: live, deleted: true };
  const store = ctx.cluster.store;
  const rv = store.nextRv();
  const final = clone(live);
  final.metadata.resourceVersion = String(rv);
  store.remove(ctx.def.storageKey, final, live, rv, opts.propagationPolicy !== 'Orphan');
  return { object: final, deleted: true };
}
