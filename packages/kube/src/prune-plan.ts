// Which objects a prune would delete: what the application applied to this cluster before (the
// recorded inventory, plus whatever carries its labels in the inventory's and the bundle's kinds,
// in case the inventory is incomplete) and no longer renders. Nothing another application or
// another manager owns is ever a candidate; those are reported as skipped with the reason.
import { groupOf, type KubeObject, orderForApply, type RenderedObject } from '@tether/manifests';
import { describeRef, type KubeClient, type ObjectRef, refOf } from './client.ts';
import type { ApiResource } from './discovery.ts';
import { isKubeError, KubeError } from './errors.ts';
import { type InventoryEntry, inventoryKey } from './inventory.ts';
import { FIELD_MANAGER, ownershipSelector } from './labels.ts';
import { pruneBlocker } from './ownership.ts';
import { isLabelValue } from './plan.ts';

export interface PrunePlanOptions {
  client: KubeClient;
  /** Application name: the `tether.dev/application` label value. */
  application: string;
  /** Namespace of namespaced desired objects that name none (as for applyBundle). */
  destinationNamespace: string;
  /** What the previous applies of this application to this cluster recorded. */
  inventory: readonly InventoryEntry[];
  /** The objects about to be (or just) applied: rendered objects, manifests or refs. */
  desired: readonly (RenderedObject | KubeObject | ObjectRef)[];
  fieldManager?: string;
  signal?: AbortSignal | undefined;
}

export interface PruneCandidate {
  ref: ObjectRef;
  /** Why it is pruned (no longer rendered) or why it is skipped. */
  reason: string;
  uid?: string;
  resourceVersion?: string;
}

export interface PrunePlan {
  /** Objects to delete, in deletion order: reverse apply order, CRDs and Namespaces last. */
  prune: PruneCandidate[];
  /** Objects no longer rendered that are not (only) the application's: left alone. */
  skipped: PruneCandidate[];
  /**
   * The application's Namespaces and CRDs whose deletion would take along objects the prune
   * keeps (another application's, desired ones): left in place and reported as orphaned, so the
   * inventory keeps them for a later prune.
   */
  retained: PruneCandidate[];
}

function isRendered(o: RenderedObject | KubeObject | ObjectRef): o is RenderedObject {
  return 'manifest' in o && 'source' in o && !('apiVersion' in o);
}

function declared(o: RenderedObject | KubeObject | ObjectRef): ObjectRef {
  if (isRendered(o)) return refOf(o.manifest);
  if ('metadata' in o) return refOf(o as KubeObject);
  return o as ObjectRef;
}

const gkName = (ref: ObjectRef) => `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.name}`;

// Kinds a namespace holds that are never anyone's content: events, and what controllers mirror.
const NAMESPACE_NOISE = new Set(['Event', 'Endpoints', 'EndpointSlice']);
// What every namespace gets from the control plane.
const NAMESPACE_DEFAULTS = new Set(['ServiceAccount/default', 'ConfigMap/kube-root-ca.crt']);

export async function planPrune(opts: PrunePlanOptions): Promise<PrunePlan> {
  const { client, application, signal } = opts;
  const fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  if (!isLabelValue(application)) {
    throw new KubeError('invalid_object', `application name "${application}" cannot be a label value`);
  }
  const resources = new Map<string, ApiResource | undefined>();
  const resource = async (apiVersion: string, kind: string) => {
    const k = `${apiVersion}|${kind}`;
    if (!resources.has(k)) {
      const r =
        (await client.resource(apiVersion, kind, { signal })) ??
        (await client.resource(apiVersion, kind, { signal, refresh: true }));
      resources.set(k, r);
    }
    return resources.get(k);
  };

  // What stays: keyed exactly, or by group/kind/name when the kind's scope is unknown (its CRD
  // not served yet), so that nothing of that name can be mistaken for an orphan.
  const keep = new Set<string>();
  const keepAnyNamespace = new Set<string>();
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  const namespaces = new Set<string>([opts.destinationNamespace]);
  for (const o of opts.desired) {
    const ref = declared(o);
    kinds.set(`${groupOf(ref.apiVersion)}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
    const res = await resource(ref.apiVersion, ref.kind);
    if (!res) {
      keepAnyNamespace.add(gkName(ref));
      continue;
    }
    const namespace = res.namespaced ? ref.namespace || opts.destinationNamespace : undefined;
    if (namespace) namespaces.add(namespace);
    keep.add(inventoryKey({ ...ref, namespace }));
  }
  for (const e of opts.inventory) {
    kinds.set(`${groupOf(e.apiVersion)}/${e.kind}`, { apiVersion: e.apiVersion, kind: e.kind });
    if (e.namespace) namespaces.add(e.namespace);
  }
  const isKept = (ref: ObjectRef) => keep.has(inventoryKey(ref)) || keepAnyNamespace.has(gkName(ref));

  const found = new Map<string, KubeObject>();
  const selector = ownershipSelector(application);
  for (const { apiVersion, kind } of kinds.values()) {
    const res = await resource(apiVersion, kind);
    if (!res?.verbs.includes('list')) continue;
    let items: KubeObject[];
    try {
      items = await client.list({ apiVersion, kind, labelSelector: selector }, { signal });
    } catch (err) {
      // Credentials confined to some namespaces (an agent's): look where the application lives.
      if (!(res.namespaced && isKubeError(err) && err.code === 'cluster_unauthorized')) throw err;
      items = [];
      for (const namespace of namespaces) {
        items.push(
          ...(await client.list({ apiVersion, kind, namespace, labelSelector: selector }, { signal })),
        );
      }
    }
    for (const item of items) found.set(inventoryKey(refOf(item)), item);
  }
  // Inventory entries without the labels (removed, or another application's now) are judged too.
  for (const e of opts.inventory) {
    const ref: ObjectRef = { apiVersion: e.apiVersion, kind: e.kind, name: e.name, namespace: e.namespace };
    if (found.has(inventoryKey(ref)) || isKept(ref) || !(await resource(e.apiVersion, e.kind))) continue;
    const live = await client.get(ref, { signal });
    if (live) found.set(inventoryKey(refOf(live)), live);
  }

  const prunable: KubeObject[] = [];
  const skipped: PruneCandidate[] = [];
  for (const live of found.values()) {
    const ref = refOf(live);
    if (isKept(ref)) continue;
    const blocker = pruneBlocker(live, application, fieldManager);
    if (blocker) skipped.push(candidate(live, blocker));
    else prunable.push(live);
  }
  const pruneKeys = new Set(prunable.map((o) => inventoryKey(refOf(o))));
  const prune: PruneCandidate[] = [];
  const retained: PruneCandidate[] = [];
  for (const live of orderForApply(prunable).reverse()) {
    const blocker = await takesAlong(client, live, pruneKeys, signal);
    if (blocker) {
      retained.push(candidate(live, blocker));
      pruneKeys.delete(inventoryKey(refOf(live)));
    } else {
      prune.push(candidate(live, `no longer rendered by application "${application}"`));
    }
  }
  // Namespaces and CRDs take their contents along: they go after everything else.
  const last = (c: PruneCandidate) =>
    c.ref.kind === 'Namespace' ? 2 : c.ref.kind === 'CustomResourceDefinition' ? 1 : 0;
  prune.sort((a, b) => last(a) - last(b));
  const byKey = (a: PruneCandidate, b: PruneCandidate) => {
    const [x, y] = [inventoryKey(a.ref), inventoryKey(b.ref)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return { prune, skipped: skipped.sort(byKey), retained: retained.sort(byKey) };
}

function candidate(live: KubeObject, reason: string): PruneCandidate {
  return {
    ref: refOf(live),
    reason,
    ...(live.metadata.uid ? { uid: String(live.metadata.uid) } : {}),
    ...(live.metadata.resourceVersion ? { resourceVersion: String(live.metadata.resourceVersion) } : {}),
  };
}

/** Why deleting a Namespace or a CRD would take along something the prune does not remove. */
async function takesAlong(
  client: KubeClient,
  live: KubeObject,
  pruneKeys: ReadonlySet<string>,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const others: string[] = [];
  const consider = (items: KubeObject[]) => {
    for (const item of items) {
      const refs = item.metadata.ownerReferences;
      if (Array.isArray(refs) && refs.length > 0) continue;
      if (NAMESPACE_DEFAULTS.has(`${item.kind}/${item.metadata.name}`)) continue;
      if (item.kind === 'Secret' && item.type === 'kubernetes.io/service-account-token') continue;
      if (!pruneKeys.has(inventoryKey(refOf(item)))) others.push(describeRef(refOf(item)));
    }
  };
  try {
    if (live.kind === 'Namespace' && live.apiVersion === 'v1') {
      const seen = new Set<string>();
      for (const r of await client.discover({ signal })) {
        const gk = `${r.group}/${r.kind}`;
        if (!r.namespaced || !r.verbs.includes('list') || NAMESPACE_NOISE.has(r.kind) || seen.has(gk))
          continue;
        seen.add(gk);
        consider(
          await client.list(
            { apiVersion: r.apiVersion, kind: r.kind, namespace: live.metadata.name },
            { signal },
          ),
        );
      }
    } else if (
      live.kind === 'CustomResourceDefinition' &&
      live.apiVersion.startsWith('apiextensions.k8s.io/')
    ) {
      const spec = (live.spec ?? {}) as { group?: unknown; names?: { kind?: unknown }; versions?: unknown };
      const versions = Array.isArray(spec.versions)
        ? (spec.versions as Array<{ name?: unknown; served?: unknown }>)
        : [];
      const version = versions.find((v) => v.served !== false && typeof v.name === 'string')?.name;
      if (
        typeof spec.group === 'string' &&
        typeof spec.names?.kind === 'string' &&
        typeof version === 'string'
      ) {
        const apiVersion = `${spec.group}/${version}`;
        if (await client.resource(apiVersion, spec.names.kind, { signal, refresh: true })) {
          consider(await client.list({ apiVersion, kind: spec.names.kind }, { signal }));
        }
      }
    } else {
      return undefined;
    }
  } catch (err) {
    if (isKubeError(err) && err.code === 'cancelled') throw err;
    const why = err instanceof Error ? err.message : String(err);
    return `cannot tell what deleting it would take along: ${why}`;
  }
  if (others.length === 0) return undefined;
  const shown =
    others.length > 3 ? `${others.slice(0, 3).join(', ')} (+${others.length - 3} more)` : others.join(', ');
  return `deleting it would also delete objects this prune keeps: ${shown}`;
}
