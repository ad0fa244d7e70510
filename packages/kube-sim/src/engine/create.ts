// POST: create an object (generateName, namespace defaulting, admission, defaults, validation).
import { alreadyExists, badRequest, invalid } from '../errors.ts';
import type { KubeObject } from '../types.ts';
import { clone, randomSuffix } from '../util.ts';
import {
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
import { type Subresource, withUpdateRecorded } from './fields.ts';
import { checkNamespaceMatch, checkTypeMeta } from './typecheck.ts';

export function createObject(ctx: OpContext, urlNamespace: string | undefined, body: unknown): Committed {
  const obj = mustBeObject(clone(body));
  checkTypeMeta(ctx.def, obj);
  checkNamespaceMatch(ctx.def, obj, urlNamespace);
  const meta = obj.metadata;
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  if (!meta.name && meta.generateName) {
    if (typeof meta.generateName !== 'string') {
      throw invalid(ctx.def.group, ctx.def.kind, '', [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.generateName',
          value: meta.generateName,
          detail: 'must be a string',
        },
      ]);
    }
    const base = meta.generateName.length > 58 ? meta.generateName.slice(0, 58) : meta.generateName;
    meta.name = `${base}${randomSuffix()}`;
  }
  const name = meta.name ?? '';
  requireWritable(ctx, 'create', name, meta.namespace);
  checkNamespace(ctx, meta.namespace, name, true);
  if (name && ctx.cluster.store.get(ctx.def.storageKey, meta.namespace, name)) {
    throw alreadyExists(grOf(ctx.def), name);
  }
  setIdentity(ctx, undefined, obj);
  resetStatus(ctx.def, undefined, obj);
  defaultAndValidate(ctx, obj, undefined);
  delete obj.metadata.managedFields;
  return persist(ctx, undefined, recordFields(ctx, undefined, obj));
}

/** managedFields for an Update-operation write (status is owned only through /status). */
export function recordFields(
  ctx: OpContext,
  before: KubeObject | undefined,
  after: KubeObject,
  sub: Subresource = undefined,
): KubeObject {
  return withUpdateRecorded(before, after, ctx.manager, nowIso(ctx), sub);
}
