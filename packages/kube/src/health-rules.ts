// How healthy one object is, from its status as the cluster reports it (the rules of
// `kubectl rollout status`): workloads once rolled out and available, Jobs once complete.
// Kinds without rules are healthy once applied.
import type { KubeObject } from '@tether/manifests';

export type HealthStatus = 'healthy' | 'progressing' | 'degraded';

export interface Health {
  status: HealthStatus;
  /** Why not healthy: a condition reason (`ProgressDeadlineExceeded`) or what is awaited. */
  reason?: string;
  /** The condition's message, when there is one. */
  message?: string;
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

type Rec = Record<string, unknown>;

const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null ? (v as Rec) : {});
const int = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

function condition(status: Rec, type: string): Condition | undefined {
  const list = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  return list.find((c) => rec(c).type === type);
}

function fromCondition(status: HealthStatus, c: Condition, fallback: string): Health {
  return {
    status,
    reason: typeof c.reason === 'string' && c.reason !== '' ? c.reason : fallback,
    ...(typeof c.message === 'string' && c.message !== '' ? { message: c.message } : {}),
  };
}

const progressing = (reason: string): Health => ({ status: 'progressing', reason });

/** undefined when the controller has seen the current generation. */
function unobserved(obj: KubeObject, status: Rec): Health | undefined {
  const generation = int(obj.metadata.generation, 0);
  const observed = int(status.observedGeneration, -1);
  if (generation > 0 && observed < generation) {
    return progressing(`waiting for the controller to observe generation ${generation}`);
  }
  return undefined;
}

function deployment(obj: KubeObject): Health {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const wait = unobserved(obj, status);
  if (wait) return wait;
  const p = condition(status, 'Progressing');
  if (p && p.reason === 'ProgressDeadlineExceeded')
    return fromCondition('degraded', p, 'ProgressDeadlineExceeded');
  if (spec.paused === true) return { status: 'healthy', reason: 'rollout paused' };
  const want = int(spec.replicas, 1);
  const updated = int(status.updatedReplicas, 0);
  const total = int(status.replicas, 0);
  const available = int(status.availableReplicas, 0);
  if (updated < want) return progressing(`${updated} of ${want} updated replicas`);
  if (total > updated) return progressing(`${total - updated} old replicas pending termination`);
  if (available < want) return progressing(`${available} of ${want} updated replicas available`);
  return { status: 'healthy' };
}

function statefulSet(obj: KubeObject): Health {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const wait = unobserved(obj, status);
  if (wait) return wait;
  const want = int(spec.replicas, 1);
  const ready = int(status.readyReplicas, 0);
  if (ready < want) return progressing(`${ready} of ${want} replicas ready`);
  const strategy = rec(spec.updateStrategy);
  if (strategy.type === 'OnDelete') return { status: 'healthy' };
  const partition = int(rec(strategy.rollingUpdate).partition, 0);
  if (partition > 0) {
    const updated = int(status.updatedReplicas, 0);
    return updated < want - partition
      ? progressing(`${updated} of ${want - partition} replicas updated (partition ${partition})`)
      : { status: 'healthy' };
  }
  if ('updatedReplicas' in status && int(status.updatedReplicas, 0) < want) {
    return progressing(`${int(status.updatedReplicas, 0)} of ${want} replicas updated`);
  }
  const { currentRevision, updateRevision } = status;
  if (
    typeof currentRevision === 'string' &&
    typeof updateRevision === 'string' &&
    currentRevision !== updateRevision
  ) {
    return progressing(`rolling out revision ${updateRevision}`);
  }
  return { status: 'healthy' };
}

function daemonSet(obj: KubeObject): Health {
  const status = rec(obj.status);
  const wait = unobserved(obj, status);
  if (wait) return wait;
  const desired = int(status.desiredNumberScheduled, 0);
  const updated = int(status.updatedNumberScheduled, 0);
  const ready = int(status.numberReady, 0);
  if (rec(rec(obj.spec).updateStrategy).type !== 'OnDelete' && updated < desired) {
    return progressing(`${updated} of ${desired} pods updated`);
  }
  if (ready < desired) return progressing(`${ready} of ${desired} pods ready`);
  return { status: 'healthy' };
}

function replicaSet(obj: KubeObject): Health {
  const status = rec(obj.status);
  const wait = unobserved(obj, status);
  if (wait) return wait;
  const failure = condition(status, 'ReplicaFailure');
  if (failure?.status === 'True') return fromCondition('degraded', failure, 'ReplicaFailure');
  const want = int(rec(obj.spec).replicas, 1);
  const available = int(status.availableReplicas, 0);
  if (available < want) return progressing(`${available} of ${want} replicas available`);
  return { status: 'healthy' };
}

function job(obj: KubeObject): Health {
  const status = rec(obj.status);
  const failed = condition(status, 'Failed');
  if (failed?.status === 'True') return fromCondition('degraded', failed, 'Failed');
  const complete = condition(status, 'Complete');
  if (complete?.status === 'True') return { status: 'healthy' };
  if (rec(obj.spec).suspend === true) return { status: 'healthy', reason: 'suspended' };
  return progressing(`${int(status.succeeded, 0)} of ${int(rec(obj.spec).completions, 1)} completions`);
}

const RULES: Record<string, (obj: KubeObject) => Health> = {
  'apps/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'apps/ReplicaSet': replicaSet,
  'batch/Job': job,
};

/** The health of an object as read from the cluster. */
export function assessHealth(obj: KubeObject): Health {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  const rule = RULES[`${group}/${obj.kind}`];
  return rule ? rule(obj) : { status: 'healthy' };
}
