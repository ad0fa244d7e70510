// One look at a cluster against the bundle last applied to it: the drift (detectDrift) and the
// workloads' health as they are now, without waiting. The push worker's reconciliation and the
// pull agent's resync both run exactly this, so drift and health mean the same on both paths.
import type { KubeObject, RenderedObject } from '@tether/manifests';
import type { KubeClient, ObjectRef } from './client.ts';
import type { FieldChange } from './compare.ts';
import { detectDrift } from './drift.ts';
import { assessHealth, type HealthStatus } from './health-rules.ts';

/** Kinds whose health is more than "applied" (see assessHealth). */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export interface ObserveBundleOptions {
  client: KubeClient;
  /** The bundle as last applied. */
  objects: readonly (RenderedObject | KubeObject)[];
  application: string;
  destinationNamespace: string;
  signal?: AbortSignal | undefined;
}

/** A drifted object in the form the control plane records (and the agent reports). */
export interface ObservedDrift {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  changes: FieldChange[];
  /** The object is gone (deleted behind Tether's back). */
  missing?: true;
}

export interface Observation {
  /** Changed objects in apply order, then missing ones. Empty: no drift. */
  drift: ObservedDrift[];
  /** The worst of the workloads' health (healthy when there are none). */
  health: HealthStatus;
  /** `Kind/name: reason` of the workload that decided `health`, when not healthy. */
  healthReason: string | null;
  /** How many existing objects were compared. */
  checked: number;
}

export async function observeBundle(opts: ObserveBundleOptions): Promise<Observation> {
  const { client, signal } = opts;
  const drift = await detectDrift({
    client,
    objects: opts.objects,
    application: opts.application,
    destinationNamespace: opts.destinationNamespace,
    signal,
  });
  let degraded: string | undefined;
  let progressing: string | undefined;
  for (const o of opts.objects) {
    const m = manifestOf(o);
    if (!WORKLOADS.has(m.kind)) continue;
    const ref: ObjectRef = {
      apiVersion: m.apiVersion,
      kind: m.kind,
      name: m.metadata.name,
      namespace: m.metadata.namespace ?? opts.destinationNamespace,
    };
    const live = await client.get(ref, { signal });
    const h = live ? assessHealth(live) : { status: 'degraded' as const, reason: 'missing' };
    const why = `${m.kind}/${m.metadata.name}: ${h.reason ?? h.status}`;
    if (h.status === 'degraded') degraded ??= why;
    else if (h.status === 'progressing') progressing ??= why;
  }
  return {
    drift: [
      ...drift.drifted.map((d) => ({ ...plainRef(d.ref), changes: d.changes })),
      ...drift.missing.map((r) => ({ ...plainRef(r), changes: [], missing: true as const })),
    ],
    health: degraded ? 'degraded' : progressing ? 'progressing' : 'healthy',
    healthReason: degraded ?? progressing ?? null,
    checked: drift.checked,
  };
}

function manifestOf(o: RenderedObject | KubeObject): KubeObject {
  return 'manifest' in o && 'source' in o && !('apiVersion' in o) ? o.manifest : (o as KubeObject);
}

function plainRef(r: ObjectRef): Omit<ObservedDrift, 'changes'> {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
  };
}
