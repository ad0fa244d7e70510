// The simulated controller-manager: recomputes workload status when a generation (or spec) changes
// and when the simulation says it will change on its own (timers at nextChangeAt).
import { createHash } from 'node:crypto';
import type { VirtualCluster } from '../cluster.ts';
import { writeStatusAs } from '../engine/system.ts';
import { templateHash } from '../status/images.ts';
import { isSimulated, simulateStatus } from '../status/index.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { deepEqual } from '../util.ts';

const MANAGER = 'kube-controller-manager';
// setTimeout cannot wait longer than ~24.8 days; re-check then.
const MAX_DELAY = 2 ** 31 - 1;

export interface ObjectRef {
  storageKey: string;
  namespace: string | undefined;
  name: string;
}

function clearTimer(cluster: VirtualCluster, uid: string): void {
  const t = cluster.timers.get(uid);
  if (t) {
    clearTimeout(t);
    cluster.timers.delete(uid);
  }
}

export function reconcileStatus(cluster: VirtualCluster, ref: ObjectRef): void {
  if (cluster.closed) return;
  const live = cluster.store.get(ref.storageKey, ref.namespace, ref.name);
  if (!live) return;
  const uid = live.metadata.uid ?? '';
  clearTimer(cluster, uid);
  const def = cluster.registry.byStorageKey(ref.storageKey);
  const tracked = cluster.tracking.get(uid);
  if (!def || !tracked || live.metadata.deletionTimestamp) return;
  const now = cluster.now();
  const sim = simulateStatus({
    object: live,
    generationSince: tracked.since,
    now,
    options: { readyDelayMs: cluster.readyDelayMs },
  });
  const annotations = controllerAnnotations(cluster, live);
  const annotationsChanged = Object.entries(annotations).some(
    ([k, v]) => live.metadata.annotations?.[k] !== v,
  );
  if (sim.status && (annotationsChanged || !deepEqual(sim.status, live.status))) {
    writeStatusAs(cluster, def, live, sim.status, MANAGER, annotations);
  }
  if (sim.nextChangeAt !== undefined) {
    const delay = Math.min(MAX_DELAY, Math.max(0, sim.nextChangeAt - now));
    const timer = setTimeout(() => {
      cluster.timers.delete(uid);
      try {
        reconcileStatus(cluster, ref);
      } catch (err) {
        cluster.log.error({ err }, 'status simulation failed');
      }
    }, delay);
    timer.unref();
    cluster.timers.set(uid, timer);
  }
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** A Deployment's revision: the position of its pod template among those it has rolled out. */
export function deploymentRevision(cluster: VirtualCluster, obj: KubeObject): number {
  const tracked = cluster.tracking.get(obj.metadata.uid ?? '');
  if (!tracked) return 1;
  const hash = templateHash(obj);
  const templates = (tracked.templates ?? []).filter((t) => t !== hash);
  templates.push(hash);
  tracked.templates = templates;
  return templates.length;
}

function controllerAnnotations(cluster: VirtualCluster, obj: KubeObject): Record<string, string> {
  if (obj.kind !== 'Deployment' || obj.apiVersion !== 'apps/v1') return {};
  const tracked = cluster.tracking.get(obj.metadata.uid ?? '');
  const hash = templateHash(obj);
  const known = tracked?.templates ?? [];
  const revision = known[known.length - 1] === hash ? known.length : deploymentRevision(cluster, obj);
  return { [REVISION_ANNOTATION]: String(revision) };
}

/** What starts a new rollout: a new generation, or a new spec for kinds without generations. */
export function revisionOf(obj: KubeObject): string {
  if (obj.metadata.generation !== undefined) return `g${obj.metadata.generation}`;
  return `s${createHash('sha1')
    .update(JSON.stringify(obj.spec ?? null))
    .digest('hex')}`;
}

/** Starts tracking an object (e.g. restored from a snapshot) whose rollout began at `since`. */
export function trackObject(
  cluster: VirtualCluster,
  ref: ObjectRef,
  revision: string,
  uid: string,
  since: number,
): void {
  cluster.tracking.set(uid, { revision, since, templates: cluster.tracking.get(uid)?.templates ?? [] });
  reconcileStatus(cluster, ref);
}

export function installStatusController(cluster: VirtualCluster): void {
  cluster.store.addController((ev: StoreEvent) => {
    const obj = ev.object;
    if (!isSimulated(obj.apiVersion, obj.kind)) return;
    const uid = obj.metadata.uid ?? '';
    if (ev.type === 'DELETED') {
      clearTimer(cluster, uid);
      cluster.tracking.delete(uid);
      return;
    }
    const revision = revisionOf(obj);
    const tracked = cluster.tracking.get(uid);
    if (tracked && tracked.revision === revision) return;
    const ref = {
      storageKey: ev.storageKey,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? '',
    };
    trackObject(cluster, ref, revision, uid, cluster.now());
  });
}
