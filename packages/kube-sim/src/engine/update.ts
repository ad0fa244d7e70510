// PUT and non-apply PATCH of an object, its status subresource or its scale subresource.
import { conflict, MODIFIED_MESSAGE, notFound } from '../errors.ts';
import type { KubeObject } from '../types.ts';
import { clone, deepEqual, getPath, isRecord } from '../util.ts';
import {
  bumpGeneration,
  type Committed,
  defaultAndValidate,
  mustBeObject,
  persist,
  requireWritable,
  resetStatus,
  setIdentity,
} from './commit.ts';
import { grOf, type OpContext } from './context.ts';
import { recordFields } from './create.ts';
import { applyPatch, type PatchKind, type Subresource } from './fields.ts';
import { checkNameMatch, checkNamespaceMatch, checkTypeMeta } from './typecheck.ts';

export function getLive(ctx: OpContext, namespace: string | undefined, name: string): KubeObject {
  const live = ctx.cluster.store.get(ctx.def.storageKey, ctx.def.namespaced ? namespace : undefined, name);
  if (!live) throw notFound(grOf(ctx.def), name);
  return live;
}

function checkPrecondition(ctx: OpContext, live: KubeObject, candidate: KubeObject): void {
  const rv = candidate.metadata.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion)
    throw conflict(grOf(ctx.def), live.metadata.name ?? '', MODIFIED_MESSAGE);
}

/** Whether the client wrote managedFields itself ([] means "not sent", as in the apiserver). */
function sentManagedFields(live: KubeObject, candidate: KubeObject): boolean {
  const mf = candidate.metadata.managedFields;
  if (!Array.isArray(mf) || mf.length === 0) {
    if (live.metadata.managedFields === undefined) delete candidate.metadata.managedFields;
    else candidate.metadata.managedFields = live.metadata.managedFields;
    return false;
  }
  return !deepEqual(mf, live.metadata.managedFields);
}

/** The shared tail of PUT and PATCH once the desired object is known. */
export function writeUpdate(
  ctx: OpContext,
  live: KubeObject,
  candidate: KubeObject,
  sub: Subresource,
): Committed {
  const explicit = sentManagedFields(live, candidate);
  let after: KubeObject;
  if (sub === 'status') {
    // Only status changes through /status; metadata (managedFields included) stays.
    after = clone(live);
    if (candidate.status === undefined) delete after.status;
    else after.status = candidate.status;
    if (explicit) after.metadata.managedFields = candidate.metadata.managedFields;
  } else {
    after = candidate;
    setIdentity(ctx, live, after);
    resetStatus(ctx.def, live, after);
    defaultAndValidate(ctx, after, live);
  }
  after = recordFields(ctx, live, after, sub);
  bumpGeneration(ctx.def, live, after);
  return persist(ctx, live, after, { explicitManagedFields: explicit });
}

export function updateObject(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  body: unknown,
  sub: Subresource,
): Committed {
  const live = getLive(ctx, namespace, name);
  const candidate = mustBeObject(body);
  checkTypeMeta(ctx.def, candidate);
  checkNamespaceMatch(ctx.def, candidate, namespace);
  checkNameMatch(candidate, name);
  requireWritable(ctx, 'update', name, namespace);
  checkPrecondition(ctx, live, candidate);
  return writeUpdate(ctx, live, candidate, sub);
}

export function patchObject(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  kind: PatchKind,
  patch: unknown,
  sub: Subresource,
): Committed {
  const live = getLive(ctx, namespace, name);
  requireWritable(ctx, 'patch', name, namespace);
  const patched = mustBeObject(applyPatch(kind, clone(live), patch));
  checkNameMatch(patched, name);
  checkNamespaceMatch(ctx.def, patched, namespace);
  patched.apiVersion = live.apiVersion;
  patched.kind = live.kind;
  checkPrecondition(ctx, live, patched);
  return writeUpdate(ctx, live, patched, sub);
}

// --- scale subresource (autoscaling/v1 Scale) ---

function readPath(obj: KubeObject, jsonPath: string): unknown {
  return getPath(obj, jsonPath.replace(/^\./, ''));
}

export function toScale(ctx: OpContext, obj: KubeObject): KubeObject {
  const scale = ctx.def.scale ?? {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.replicas',
  };
  const selector = scale.labelSelectorPath ? readPath(obj, scale.labelSelectorPath) : undefined;
  const status: Record<string, unknown> = { replicas: Number(readPath(obj, scale.statusReplicasPath) ?? 0) };
  if (typeof selector === 'string') status.selector = selector;
  else if (isRecord(selector)) {
    const labels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
    status.selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  }
  const meta = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: Number(readPath(obj, scale.specReplicasPath) ?? 0) },
    status,
  };
}

/** Writes `replicas` from a (possibly patched) Scale into the object. */
export function writeScale(ctx: OpContext, live: KubeObject, desired: KubeObject): Committed {
  checkPrecondition(ctx, live, desired);
  const replicas = getPath(desired, 'spec.replicas');
  const after = clone(live);
  const path = (ctx.def.scale?.specReplicasPath ?? '.spec.replicas').replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = after as unknown as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    const next = cur[part];
    if (!isRecord(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  const last = path[path.length - 1] ?? 'replicas';
  cur[last] = typeof replicas === 'number' ? replicas : 0;
  return writeUpdate(ctx, live, after, 'scale');
}

export function scaleUpdate(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  body: unknown,
): Committed {
  const live = getLive(ctx, namespace, name);
  requireWritable(ctx, 'update', name, namespace);
  return writeScale(ctx, live, mustBeObject(clone(body)));
}

export function scalePatch(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  kind: PatchKind,
  patch: unknown,
): Committed {
  const live = getLive(ctx, namespace, name);
  requireWritable(ctx, 'patch', name, namespace);
  const desired = mustBeObject(applyPatch(kind, toScale(ctx, live), patch));
  return writeScale(ctx, live, desired);
}
