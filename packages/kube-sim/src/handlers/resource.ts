// The verbs on /api/v1/... and /apis/<group>/<version>/...: get, list, watch, create, update,
// patch (apply, merge, JSON, strategic), delete and deletecollection.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterUser, VirtualCluster } from '../cluster.ts';
import { applyObject } from '../engine/apply.ts';
import { asServed, grOf, type OpContext } from '../engine/context.ts';
import { createObject } from '../engine/create.ts';
import { type DeleteOptions, deleteObject } from '../engine/delete.ts';
import type { PatchKind } from '../engine/fields.ts';
import { listObjects } from '../engine/read.ts';
import { getLive, patchObject, scalePatch, scaleUpdate, toScale, updateObject } from '../engine/update.ts';
import {
  badRequest,
  invalid,
  methodNotAllowed,
  notFound,
  successStatus,
  unsupportedMediaType,
} from '../errors.ts';
import { mediaType, parseJson, parseYamlOrJson, readBody, sendJson } from '../http/io.ts';
import { decodeEnvelope } from '../proto/decode.ts';
import { ProtoError } from '../proto/wire.ts';
import { groupVersion, type ResourceDef } from '../registry.ts';
import type { ResourceRoute } from '../router.ts';
import type { KubeObject } from '../types.ts';
import { isRecord } from '../util.ts';
import { boolParam, checkFieldValidation, dryRunOf, intParam, managerOf, selectorOf } from './params.ts';
import { answerReview, answerTokenRequest } from './reviews.ts';
import { renderTable, wantsTable } from './table.ts';
import { serveWatch } from './watch.ts';

export interface ResourceRequest {
  cluster: VirtualCluster;
  user: ClusterUser | undefined;
  route: ResourceRoute;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
}

const BODY_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/cbor',
];
const PATCH_TYPES: Record<string, PatchKind | 'apply'> = {
  'application/apply-patch+yaml': 'apply',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

async function readObjectBody(req: IncomingMessage): Promise<unknown> {
  const type = mediaType(req.headers['content-type']);
  const body = await readBody(req);
  if (type === 'application/json' || type === '') return parseJson(body);
  if (type === 'application/yaml') return parseYamlOrJson(body);
  if (type === PROTOBUF) return decodeProtobuf(body);
  throw unsupportedMediaType(BODY_TYPES);
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Typed clients (kubectl create, clientsets) send protobuf for built-in kinds. */
function decodeProtobuf(body: Buffer): unknown {
  try {
    return decodeEnvelope(body);
  } catch (err) {
    if (err instanceof ProtoError) throw badRequest(`error decoding protobuf: ${err.message}`);
    throw err;
  }
}

/** Built-in list items carry no apiVersion/kind, as typed lists are encoded; custom ones do. */
function listItem(obj: KubeObject, def: ResourceDef): unknown {
  if (def.crd) return asServed(obj, def);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function ctxFor(r: ResourceRequest, optionsKind: string, write: boolean): OpContext {
  const ctx: OpContext = {
    cluster: r.cluster,
    def: r.route.def,
    manager: write ? managerOf(r.query, r.req.headers['user-agent'], optionsKind) : '',
    dryRun: write ? dryRunOf(r.query, optionsKind) : false,
    user: r.user,
  };
  if (write) checkFieldValidation(r.query, optionsKind);
  return ctx;
}

function sendObject(r: ResourceRequest, code: number, obj: KubeObject): void {
  const def = r.route.def;
  if (wantsTable(r.req.headers.accept)) {
    sendJson(
      r.res,
      code,
      renderTable(def, [asServed(obj, def)], undefined, r.query),
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    );
    return;
  }
  sendJson(r.res, code, asServed(obj, def));
}

function handleGet(r: ResourceRequest): void {
  const { def, namespace, name, subresource } = r.route;
  const ctx = ctxFor(r, 'GetOptions', false);
  const watching = r.route.watchPath || boolParam(r.query, 'watch') === true;
  if (name !== undefined && !(watching && subresource === undefined)) {
    const live = getLive(ctx, namespace, name);
    if (subresource === 'scale') sendJson(r.res, 200, toScale(ctx, live));
    else sendObject(r, 200, live);
    return;
  }
  const selector = selectorOf(r.query, def);
  // A watch on a named object is a watch of the collection restricted to that name.
  if (name !== undefined) selector.fields.push({ field: 'metadata.name', op: '=', value: name });
  if (watching) {
    serveWatch({
      cluster: r.cluster,
      def,
      namespace,
      selector,
      query: r.query,
      res: r.res,
      // The response closes when the client goes away (or we end the stream).
      onClose: (fn) => r.res.on('close', fn),
      present: wantsTable(r.req.headers.accept)
        ? (obj) => renderTable(def, [obj], { resourceVersion: obj.metadata.resourceVersion }, r.query)
        : undefined,
    });
    return;
  }
  const result = listObjects(
    ctx,
    namespace,
    selector,
    intParam(r.query, 'limit'),
    r.query.get('continue') ?? undefined,
  );
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) metadata.continue = result.continue;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  if (wantsTable(r.req.headers.accept)) {
    const items = result.items.map((o) => asServed(o, def));
    sendJson(
      r.res,
      200,
      renderTable(def, items, metadata, r.query),
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    );
    return;
  }
  sendJson(r.res, 200, {
    kind: def.listKind,
    apiVersion: groupVersion(def),
    metadata,
    items: result.items.map((o) => listItem(o, def)),
  });
}

async function handlePost(r: ResourceRequest): Promise<void> {
  if (r.route.name !== undefined) throw methodNotAllowed();
  const ctx = ctxFor(r, 'CreateOptions', true);
  const body = await readObjectBody(r.req);
  const out = createObject(ctx, r.route.namespace, body);
  sendObject(r, 201, out.object);
}

async function handlePut(r: ResourceRequest): Promise<void> {
  const { namespace, name, subresource } = r.route;
  if (name === undefined) throw methodNotAllowed();
  const ctx = ctxFor(r, 'UpdateOptions', true);
  const body = await readObjectBody(r.req);
  if (subresource === 'scale') {
    const out = scaleUpdate(ctx, namespace, name, body);
    sendJson(r.res, 200, toScale(ctx, out.object));
    return;
  }
  const out = updateObject(ctx, namespace, name, body, subresource === 'status' ? 'status' : undefined);
  sendObject(r, 200, out.object);
}

async function handlePatch(r: ResourceRequest): Promise<void> {
  const { def, namespace, name, subresource } = r.route;
  if (name === undefined) throw methodNotAllowed();
  const kind = PATCH_TYPES[mediaType(r.req.headers['content-type'])];
  if (!kind || (kind === 'strategic' && !def.strategicMerge)) {
    const accepted = Object.keys(PATCH_TYPES).filter(
      (t) => def.strategicMerge || t !== 'application/strategic-merge-patch+json',
    );
    throw unsupportedMediaType(accepted);
  }
  const ctx = ctxFor(r, 'PatchOptions', true);
  const force = boolParam(r.query, 'force');
  const raw = await readBody(r.req);
  if (kind === 'apply') {
    if (!r.query.get('fieldManager')) {
      throw invalid('meta.k8s.io', 'PatchOptions', '', [
        { type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' },
      ]);
    }
    if (subresource === 'scale')
      throw unsupportedMediaType(['application/merge-patch+json', 'application/json-patch+json']);
    if (subresource === 'status') getLive(ctx, namespace, name);
    const out = applyObject(
      ctx,
      namespace,
      name,
      parseYamlOrJson(raw),
      force === true,
      subresource === 'status' ? 'status' : undefined,
    );
    sendObject(r, out.created ? 201 : 200, out.object);
    return;
  }
  if (force !== undefined) {
    throw invalid('meta.k8s.io', 'PatchOptions', '', [
      { type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' },
    ]);
  }
  const patch = parseJson(raw);
  if (subresource === 'scale') {
    const out = scalePatch(ctx, namespace, name, kind, patch);
    sendJson(r.res, 200, toScale(ctx, out.object));
    return;
  }
  const out = patchObject(ctx, namespace, name, kind, patch, subresource === 'status' ? 'status' : undefined);
  sendObject(r, 200, out.object);
}

async function deleteOptionsOf(r: ResourceRequest): Promise<DeleteOptions> {
  const raw = await readBody(r.req);
  const protobuf = mediaType(r.req.headers['content-type']) === PROTOBUF;
  const body = raw.length === 0 ? {} : protobuf ? decodeProtobuf(raw) : parseYamlOrJson(raw);
  const opts: DeleteOptions = {};
  if (isRecord(body)) {
    if (typeof body.propagationPolicy === 'string') opts.propagationPolicy = body.propagationPolicy;
    if (body.orphanDependents === true) opts.propagationPolicy = 'Orphan';
    if (isRecord(body.preconditions)) {
      opts.preconditions = {
        uid: typeof body.preconditions.uid === 'string' ? body.preconditions.uid : undefined,
        resourceVersion:
          typeof body.preconditions.resourceVersion === 'string'
            ? body.preconditions.resourceVersion
            : undefined,
      };
    }
    if (Array.isArray(body.dryRun)) for (const v of body.dryRun) r.query.append('dryRun', String(v));
  }
  const policy = r.query.get('propagationPolicy');
  if (policy) opts.propagationPolicy = policy;
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw invalid('meta.k8s.io', 'DeleteOptions', '', [
      {
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        value: opts.propagationPolicy,
        detail: 'supported values: "Foreground", "Background", "Orphan", "nil"',
      },
    ]);
  }
  return opts;
}

async function handleDelete(r: ResourceRequest): Promise<void> {
  const { def, namespace, name } = r.route;
  const opts = await deleteOptionsOf(r);
  const ctx: OpContext = {
    cluster: r.cluster,
    def,
    manager: managerOf(r.query, r.req.headers['user-agent'], 'DeleteOptions'),
    dryRun: dryRunOf(r.query, 'DeleteOptions'),
    user: r.user,
  };
  if (name === undefined) {
    if (!def.verbs.includes('deletecollection')) throw methodNotAllowed();
    const selector = selectorOf(r.query, def);
    const items = listObjects(ctx, namespace, selector, undefined, undefined).items;
    const deleted: unknown[] = [];
    for (const obj of items) {
      const out = deleteObject(ctx, obj.metadata.namespace, obj.metadata.name ?? '', opts);
      deleted.push(listItem(out.object, def));
    }
    sendJson(r.res, 200, {
      kind: def.listKind,
      apiVersion: groupVersion(def),
      metadata: { resourceVersion: String(r.cluster.store.currentRv()) },
      items: deleted,
    });
    return;
  }
  if (r.route.subresource) throw methodNotAllowed();
  const out = deleteObject(ctx, namespace, name, opts);
  if (out.deleted && !def.returnDeleted) {
    sendJson(r.res, 200, successStatus(grOf(def), name, out.object.metadata.uid));
    return;
  }
  sendObject(r, 200, out.object);
}

async function handleReview(r: ResourceRequest): Promise<void> {
  const { def, namespace, name, subresource } = r.route;
  if (r.req.method !== 'POST') throw methodNotAllowed();
  const body = await readObjectBody(r.req);
  if (subresource === 'token') {
    sendJson(r.res, 201, answerTokenRequest(r.cluster, def, namespace ?? '', name ?? '', body));
    return;
  }
  sendJson(r.res, 201, answerReview(r.cluster, def, r.user, body));
}

export async function handleResource(r: ResourceRequest): Promise<void> {
  const { def, namespace, name } = r.route;
  if (def.review || r.route.subresource === 'token') return handleReview(r);
  if (def.namespaced && namespace === undefined && r.req.method !== 'GET') throw methodNotAllowed();
  if (name === undefined && r.route.subresource) throw notFound(grOf(def), '');
  switch (r.req.method) {
    case 'GET':
      return handleGet(r);
    case 'POST':
      return handlePost(r);
    case 'PUT':
      return handlePut(r);
    case 'PATCH':
      return handlePatch(r);
    case 'DELETE':
      return handleDelete(r);
    default:
      throw methodNotAllowed();
  }
}
