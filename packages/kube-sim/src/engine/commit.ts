// The common tail of every write: server-owned metadata, status reset, defaulting, validation,
// generation, resourceVersion, storage (or nothing, for dryRun=All).

import { applyDefaults } from '../defaults.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { carryAllocated, kindDefaults, validateKind } from '../kinds.ts';
import type { ResourceDef } from '../registry.ts';
import type { KubeObject } from '../types.ts';
import { deepEqual, isRecord, newUid, rfc3339 } from '../util.ts';
import { validateObjectMeta } from '../validation.ts';
import { grOf, type OpContext } from './context.ts';

export function hasStatusSubresource(def: ResourceDef): boolean {
  return def.subresources.includes('status');
}

/** A copy without `status` (for field-ownership computations of main-resource writes). */
export function withoutStatus(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  return rest as KubeObject;
}

/** Rejects writes that clients may not make: identity changes, unknown namespaces. */
export function checkNamespace(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  creating: boolean,
): void {
  if (!ctx.def.namespaced || namespace === undefined) return;
  const ns = ctx.cluster.store.get('namespaces', undefined, namespace);
  if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  if (creating && ns.metadata.deletionTimestamp) {
    throw forbidden(
      grOf(ctx.def),
      name,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

/** Copies server-owned identity from `before` (or creates it) onto `after`, in place. */
export function setIdentity(ctx: OpContext, before: KubeObject | undefined, after: KubeObject): void {
  const meta = after.metadata;
  if (before) {
    if (meta.uid && meta.uid !== before.metadata.uid) {
      throw conflict(
        grOf(ctx.def),
        before.metadata.name ?? '',
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${before.metadata.uid}`,
      );
    }
    meta.uid = before.metadata.uid;
    meta.creationTimestamp = before.metadata.creationTimestamp;
    meta.resourceVersion = before.metadata.resourceVersion;
    if (before.metadata.deletionTimestamp) {
      meta.deletionTimestamp = before.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds = before.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (before.metadata.generation !== undefined) meta.generation = before.metadata.generation;
    else delete meta.generation;
  } else {
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(ctx.cluster.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (ctx.def.generation) meta.generation = 1;
    else delete meta.generation;
  }
  delete meta.selfLink;
  if (!ctx.def.namespaced) delete meta.namespace;
}

/** Status is only written through /status: main-resource writes keep the stored status. */
export function resetStatus(def: ResourceDef, before: KubeObject | undefined, after: KubeObject): void {
  if (!hasStatusSubresource(def)) return;
  if (before) {
    if (before.status === undefined) delete after.status;
    else after.status = before.status;
  } else if (def.crd) delete after.status;
  else after.status = {};
}

export function defaultAndValidate(ctx: OpContext, obj: KubeObject, before: KubeObject | undefined): void {
  if (!ctx.def.crd) {
    carryAllocated(before, obj);
    kindDefaults(ctx.def, obj);
    applyDefaults(obj, { allocateClusterIp: () => ctx.cluster.allocateClusterIp() });
  }
  validateObjectMeta(ctx.def, obj);
  validateKind(ctx.def, obj, before);
}

function specOf(def: ResourceDef, obj: KubeObject): unknown {
  const { metadata, status, apiVersion: _a, kind: _k, ...rest } = obj;
  // Deployments copy annotations to their ReplicaSets, so annotation changes are spec changes.
  const extra = def.kind === 'Deployment' && !def.crd ? metadata.annotations : undefined;
  return hasStatusSubresource(def) ? { rest, extra } : { rest, status, extra };
}

export function bumpGeneration(def: ResourceDef, before: KubeObject | undefined, after: KubeObject): void {
  if (!def.generation || !before) return;
  const gen = before.metadata.generation ?? 1;
  after.metadata.generation = deepEqual(specOf(def, before), specOf(def, after)) ? gen : gen + 1;
}

/** Finalizers still holding a deleted object; a namespace also waits for spec.finalizers. */
export function pendingFinalizers(obj: KubeObject): number {
  let n = (obj.metadata.finalizers ?? []).length;
  if (
    obj.kind === 'Namespace' &&
    obj.apiVersion === 'v1' &&
    isRecord(obj.spec) &&
    Array.isArray(obj.spec.finalizers)
  ) {
    n += obj.spec.finalizers.length;
  }
  return n;
}

export interface Committed {
  object: KubeObject;
  created: boolean;
  /** False when the write changed nothing (no new resourceVersion, no event). */
  changed: boolean;
}

/** Stores `after` unless it equals `before`; handles deletion once the last finalizer is gone. */
export function persist(
  ctx: OpContext,
  before: KubeObject | undefined,
  after: KubeObject,
  opts: { explicitManagedFields?: boolean } = {},
): Committed {
  if (before && sameObject(before, after, opts.explicitManagedFields ?? false)) {
    return { object: before, created: false, changed: false };
  }
  const store = ctx.cluster.store;
  if (ctx.dryRun) {
    if (!before) delete after.metadata.resourceVersion;
    return { object: after, created: !before, changed: true };
  }
  const rv = store.nextRv();
  after.metadata.resourceVersion = String(rv);
  if (before && after.metadata.deletionTimestamp && pendingFinalizers(after) === 0) {
    store.remove(ctx.def.storageKey, after, before, rv, true);
    return { object: after, created: false, changed: true };
  }
  store.put(ctx.def.storageKey, after, before, rv);
  return { object: after, created: !before, changed: true };
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

/** Equal content; managedFields only count when the client wrote them itself. */
function sameObject(a: KubeObject, b: KubeObject, compareManagedFields: boolean): boolean {
  if (compareManagedFields) return deepEqual(a, b);
  return deepEqual(withoutManagedFields(a), withoutManagedFields(b));
}

export function mustBeObject(body: unknown): KubeObject {
  if (!isRecord(body)) throw badRequest('the body of the request must be a JSON or YAML object');
  if (!isRecord(body.metadata)) body.metadata = {};
  return body as unknown as KubeObject;
}

export function requireWritable(
  ctx: OpContext,
  verb: string,
  name: string,
  namespace: string | undefined,
): void {
  const user = ctx.user;
  if (!user?.readOnly) return;
  const where = namespace ? ` in the namespace "${namespace}"` : '';
  throw forbidden(
    grOf(ctx.def),
    name,
    `User "${user.name}" cannot ${verb} resource "${ctx.def.resource}" in API group "${ctx.def.group}"${where}`,
  );
}

export { ApiError };
