// PATCH with application/apply-patch+yaml: server-side apply through the ssa module.
import { badRequest, conflict, invalid, MODIFIED_MESSAGE } from '../errors.ts';
import { groupVersion } from '../registry.ts';
import { clone } from '../util.ts';
import {
  bumpGeneration,
  type Committed,
  checkNamespace,
  defaultAndValidate,
  mustBeObject,
  persist,
  requireWritable,
  resetStatus,
  setIdentity,
} from './commit.ts';
import { grOf, nowIso, type OpContext } from './context.ts';
import { apply, conflictError, type Subresource } from './fields.ts';
import { checkNameMatch, checkNamespaceMatch } from './typecheck.ts';

export function applyObject(
  ctx: OpContext,
  namespace: string | undefined,
  name: string,
  body: unknown,
  force: boolean,
  sub: Subresource,
): Committed {
  const def = ctx.def;
  // The body was parsed for this request alone: no copy needed.
  const config = mustBeObject(body);
  const gv = groupVersion(def);
  if (config.apiVersion !== gv) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion ?? ''}, expected: ${gv}`,
    );
  }
  if (config.kind !== def.kind) {
    throw invalid(def.group, def.kind, name, [
      { type: 'FieldValueInvalid', field: 'kind', value: config.kind, detail: `must be ${def.kind}` },
    ]);
  }
  if (config.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
  checkNameMatch(config, name);
  checkNamespaceMatch(def, config, namespace);
  requireWritable(ctx, 'patch', name, namespace);
  const live = ctx.cluster.store.get(def.storageKey, def.namespaced ? namespace : undefined, name);
  const rv = config.metadata.resourceVersion;
  if (rv && rv !== live?.metadata.resourceVersion) throw conflict(grOf(def), name, MODIFIED_MESSAGE);
  if (!live) checkNamespace(ctx, config.metadata.namespace, name, true);

  const outcome = apply(live, config, ctx.manager, force, nowIso(ctx), sub);
  if (!outcome.ok) throw conflictError(outcome.conflicts);
  if (!outcome.changed && live) return { object: live, created: false, changed: false };

  let after = clone(outcome.object);
  if (sub === 'status' && live) {
    const merged = clone(live);
    merged.status = after.status;
    if (after.status === undefined) delete merged.status;
    if (after.metadata.managedFields) merged.metadata.managedFields = after.metadata.managedFields;
    else delete merged.metadata.managedFields;
    after = merged;
  } else {
    setIdentity(ctx, live, after);
    resetStatus(def, live, after);
    defaultAndValidate(ctx, after, live);
  }
  bumpGeneration(def, live, after);
  return persist(ctx, live, after, { explicitManagedFields: true });
}
