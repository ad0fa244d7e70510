// Everything about a bundle that can be checked before anything is applied: object shape, kinds
// the cluster serves (or a CRD of the same bundle defines), scope and namespace, duplicates,
// namespaces that exist. The result is the list of objects exactly as they will be sent.
import { type KubeObject, type ManifestSource, objectKey, type RenderedObject } from '@tether/manifests';
import { describeRef, type KubeClient, type ObjectRef } from './client.ts';
import type { ApiResource } from './discovery.ts';
import { KubeError, type KubeErrorCode } from './errors.ts';
import { withOwnershipLabels } from './labels.ts';

export interface PlannedObject {
  ref: ObjectRef;
  /** The body to apply: a copy with Tether's labels, namespace defaulted or dropped. */
  manifest: KubeObject;
  source?: ManifestSource;
  /** False when only a CRD of this bundle defines the kind: wait for it to be served first. */
  served: boolean;
}

export interface PlanProblem {
  code: KubeErrorCode;
  object: string;
  message: string;
}

export interface PlanInput {
  client: KubeClient;
  objects: readonly (RenderedObject | KubeObject)[];
  application: string;
  destinationNamespace: string;
  signal?: AbortSignal | undefined;
}

// Fields the server owns; a manifest exported from a cluster carries them, apply must not.
const SERVER_METADATA = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'managedFields',
  'generation',
  'selfLink',
];

function describeSource(s: ManifestSource): string {
  return `${s.file} [document ${s.document}${s.item === undefined ? '' : `, item ${s.item}`}]`;
}

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function isLabelValue(v: string): boolean {
  return v !== '' && v.length <= 63 && LABEL_VALUE.test(v);
}

function isRendered(o: RenderedObject | KubeObject): o is RenderedObject {
  return 'manifest' in o && 'source' in o && !('apiVersion' in o);
}

/** `Deployment shop/carts (guestbook/deploy.yaml [document 0])`. */
function label(ref: ObjectRef, source?: ManifestSource): string {
  return source ? `${describeRef(ref)} (${describeSource(source)})` : describeRef(ref);
}

/** `group/version|Kind` → namespaced, for every served version of every CRD in the bundle. */
function bundleCrdKinds(manifests: readonly KubeObject[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of manifests) {
    if (m.kind !== 'CustomResourceDefinition' || !m.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = (m.spec ?? {}) as {
      group?: unknown;
      scope?: unknown;
      names?: { kind?: unknown };
      version?: unknown;
      versions?: Array<{ name?: unknown; served?: unknown }>;
    };
    const kind = spec.names?.kind;
    if (typeof spec.group !== 'string' || typeof kind !== 'string') continue;
    const versions = (spec.versions ?? [])
      .filter((v) => v.served !== false && typeof v.name === 'string')
      .map((v) => v.name as string);
    if (typeof spec.version === 'string') versions.push(spec.version);
    for (const v of versions) out.set(`${spec.group}/${v}|${kind}`, spec.scope !== 'Cluster');
  }
  return out;
}

function shapeProblem(m: unknown, where: string): string | undefined {
  if (typeof m !== 'object' || m === null) return `${where}: not an object`;
  const o = m as Partial<KubeObject>;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return `${where}: no apiVersion`;
  if (typeof o.kind !== 'string' || o.kind === '') return `${where}: no kind`;
  if (typeof o.metadata !== 'object' || o.metadata === null) return `${where}: no metadata`;
  if (typeof o.metadata.name !== 'string' || o.metadata.name === '') return `${where}: no metadata.name`;
  return undefined;
}

function prepare(m: KubeObject, namespace: string | undefined, application: string): KubeObject {
  const copy = structuredClone(m);
  for (const f of SERVER_METADATA) delete copy.metadata[f];
  if (namespace === undefined) delete copy.metadata.namespace;
  else copy.metadata.namespace = namespace;
  return withOwnershipLabels(copy, application);
}

/** The planned objects in input order, or the problems; a KubeError when the cluster fails. */
export async function planBundle(
  input: PlanInput,
): Promise<{ planned: PlannedObject[]; problems: PlanProblem[] }> {
  const { client, application, destinationNamespace, signal } = input;
  const items = input.objects.map((o) =>
    isRendered(o) ? { manifest: o.manifest, source: o.source } : { manifest: o },
  );
  const problems: PlanProblem[] = [];
  if (!isLabelValue(application)) {
    problems.push({
      code: 'invalid_object',
      object: `application ${application}`,
      message: `application name "${application}" cannot be a label value (at most 63 characters: letters, digits, '-', '_', '.', alphanumeric at both ends)`,
    });
  }
  const wellFormed: Array<{ manifest: KubeObject; source?: ManifestSource }> = [];
  items.forEach((it, i) => {
    const where = it.source ? describeSource(it.source) : `object ${i}`;
    const p = shapeProblem(it.manifest, where);
    if (p) problems.push({ code: 'invalid_object', object: where, message: p });
    else wellFormed.push(it);
  });

  const crdKinds = bundleCrdKinds(wellFormed.map((w) => w.manifest));
  // Bundle namespaces count as existing: they are applied first.
  const bundleNamespaces = new Set(
    wellFormed
      .filter((w) => w.manifest.kind === 'Namespace' && w.manifest.apiVersion === 'v1')
      .map((w) => w.manifest.metadata.name),
  );
  const resolved = new Map<string, ApiResource | undefined>();
  const resolve = async (apiVersion: string, kind: string): Promise<ApiResource | undefined> => {
    const k = `${apiVersion}|${kind}`;
    if (resolved.has(k)) return resolved.get(k);
    // A miss is re-read once: the cache may predate a CRD someone installed since.
    const r =
      (await client.resource(apiVersion, kind, { signal })) ??
      (await client.resource(apiVersion, kind, { signal, refresh: true }));
    resolved.set(k, r);
    return r;
  };
  const planned: PlannedObject[] = [];
  const seen = new Map<string, string>();
  const usedNamespaces = new Map<string, string>();
  for (const { manifest, source } of wellFormed) {
    const { apiVersion, kind } = manifest;
    const declared =
      typeof manifest.metadata.namespace === 'string' ? manifest.metadata.namespace : undefined;
    const initial: ObjectRef = { apiVersion, kind, name: manifest.metadata.name, namespace: declared };
    const served = await resolve(apiVersion, kind);
    const fromCrd = served ? undefined : crdKinds.get(`${apiVersion}|${kind}`);
    if (!served && fromCrd === undefined) {
      problems.push({
        code: 'unknown_kind',
        object: label(initial, source),
        message: `${label(initial, source)}: kind ${kind} is not served by the cluster at ${apiVersion}, and no CustomResourceDefinition in the application defines it`,
      });
      continue;
    }
    const namespaced = served ? served.namespaced : fromCrd === true;
    // Cluster-scoped kinds have no namespace: drop a stray one, as kubectl and the apiserver do.
    const namespace = namespaced ? declared || destinationNamespace || undefined : undefined;
    const ref: ObjectRef = {
      apiVersion,
      kind,
      name: manifest.metadata.name,
      ...(namespace ? { namespace } : {}),
    };
    if (namespaced && !namespace) {
      problems.push({
        code: 'invalid_object',
        object: label(ref, source),
        message: `${label(ref, source)}: ${kind} is namespaced and neither the object nor the destination names a namespace`,
      });
      continue;
    }
    const prepared = prepare(manifest, namespace, application);
    const key = objectKey(prepared);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        code: 'invalid_object',
        object: label(ref, source),
        message: `${label(ref, source)}: the same object as ${first}`,
      });
      continue;
    }
    seen.set(key, label(ref, source));
    if (namespace && !bundleNamespaces.has(namespace) && !usedNamespaces.has(namespace)) {
      usedNamespaces.set(namespace, label(ref, source));
    }
    planned.push({
      ref,
      manifest: prepared,
      ...(source ? { source } : {}),
      served: served !== undefined,
    });
  }
  for (const [ns, first] of usedNamespaces) {
    const exists = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }, { signal });
    if (!exists) {
      problems.push({
        code: 'not_found',
        object: first,
        message: `${first}: namespace "${ns}" does not exist and the application does not create it`,
      });
    }
  }
  return { planned, problems };
}

/** One KubeError for all the problems, coded and worded after the first. */
export function planError(problems: readonly PlanProblem[], server: string): KubeError {
  const [first] = problems;
  if (!first) return new KubeError('internal', 'no problems');
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new KubeError(first.code, `nothing applied: ${first.message}${more}`, {
    details: { server, object: first.object, problems: problems.map((p) => ({ ...p })) },
  });
}
