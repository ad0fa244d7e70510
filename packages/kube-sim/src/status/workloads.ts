// Rollout status of Deployments, StatefulSets, DaemonSets and ReplicaSets.
import type { KubeObject } from '../types.ts';
import { isRecord } from '../util.ts';
import { conditions, nextAfter, num, omitZero } from './conditions.ts';
import type { SimulatedStatus, SimulateInput } from './contract.ts';
import { templateFails, templateHash } from './images.ts';

interface Rollout {
  replicas: number;
  generation: number;
  fails: boolean;
  readyAt: number;
  ready: boolean;
  prev: Record<string, unknown> | undefined;
}

function rollout(input: SimulateInput, defaultReplicas: number): Rollout {
  const obj = input.object;
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const fails = templateFails(obj);
  const readyAt = input.generationSince + Math.max(0, input.options.readyDelayMs);
  return {
    replicas: Math.max(0, num(spec.replicas, defaultReplicas)),
    generation: obj.metadata.generation ?? 1,
    fails,
    readyAt,
    ready: !fails && input.now >= readyAt,
    prev: isRecord(obj.status) ? obj.status : undefined,
  };
}

function intOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const x = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return 0;
}

export function deploymentStatus(input: SimulateInput): SimulatedStatus {
  const obj: KubeObject = input.object;
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const r = rollout(input, 1);
  const rsName = `${obj.metadata.name ?? ''}-${templateHash(obj)}`;
  const deadlineAt = input.generationSince + num(spec.progressDeadlineSeconds, 600) * 1000;
  const done = r.ready || r.replicas === 0;
  if (done) {
    const status = omitZero({
      observedGeneration: r.generation,
      replicas: r.replicas,
      updatedReplicas: r.replicas,
      readyReplicas: r.replicas,
      availableReplicas: r.replicas,
    });
    status.conditions = conditions(
      r.prev,
      [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          at: r.readyAt,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
          at: r.readyAt,
        },
      ],
      'deployment',
    );
    return { status, nextChangeAt: undefined };
  }
  // Old pods stay available while the new ReplicaSet rolls out (surging by maxSurge).
  const strategy = isRecord(spec.strategy) ? spec.strategy : {};
  const ru = isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const oldAvailable = Math.min(num(r.prev?.availableReplicas, 0), r.replicas);
  const surge = Math.max(1, intOrPercent(ru.maxSurge ?? '25%', r.replicas, true));
  const updated = oldAvailable > 0 ? Math.min(r.replicas, surge) : r.replicas;
  const maxUnavailable = intOrPercent(ru.maxUnavailable ?? '25%', r.replicas, false);
  const available = oldAvailable >= r.replicas - maxUnavailable && oldAvailable > 0;
  const exceeded = input.now >= deadlineAt;
  const status = omitZero({
    observedGeneration: r.generation,
    replicas: oldAvailable + updated,
    updatedReplicas: updated,
    readyReplicas: oldAvailable,
    availableReplicas: oldAvailable,
    unavailableReplicas: updated,
  });
  status.conditions = conditions(
    r.prev,
    [
      available
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
            at: input.generationSince,
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
            at: input.generationSince,
          },
      exceeded
        ? {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rsName}" has timed out progressing.`,
            at: deadlineAt,
          }
        : {
            type: 'Progressing',
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${rsName}" is progressing.`,
            at: input.generationSince,
          },
    ],
    'deployment',
  );
  return { status, nextChangeAt: nextAfter(input.now, r.fails ? undefined : r.readyAt, deadlineAt) };
}

export function statefulSetStatus(input: SimulateInput): SimulatedStatus {
  const obj = input.object;
  const r = rollout(input, 1);
  const revision = `${obj.metadata.name ?? ''}-${templateHash(obj)}`;
  if (r.ready || r.replicas === 0) {
    const status = {
      ...omitZero(
        {
          observedGeneration: r.generation,
          replicas: r.replicas,
          readyReplicas: r.replicas,
          currentReplicas: r.replicas,
          updatedReplicas: r.replicas,
          availableReplicas: r.replicas,
        },
        ['replicas', 'availableReplicas'],
      ),
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    return { status, nextChangeAt: undefined };
  }
  const oldReady = Math.min(num(r.prev?.readyReplicas, 0), r.replicas);
  const currentRevision =
    typeof r.prev?.currentRevision === 'string' && oldReady > 0 ? r.prev.currentRevision : revision;
  const status = {
    ...omitZero(
      {
        observedGeneration: r.generation,
        replicas: r.replicas,
        readyReplicas: oldReady,
        currentReplicas: currentRevision === revision ? r.replicas : oldReady,
        updatedReplicas: currentRevision === revision ? r.replicas : 0,
        availableReplicas: oldReady,
      },
      ['replicas', 'availableReplicas'],
    ),
    currentRevision,
    updateRevision: revision,
    collisionCount: 0,
  };
  return { status, nextChangeAt: r.fails ? undefined : nextAfter(input.now, r.readyAt) };
}

export function daemonSetStatus(input: SimulateInput): SimulatedStatus {
  const r = rollout(input, 1);
  const desired = Math.max(0, input.options.nodeCount ?? 1);
  const keep = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'];
  if (r.ready || desired === 0) {
    const status = omitZero(
      {
        currentNumberScheduled: desired,
        desiredNumberScheduled: desired,
        numberAvailable: desired,
        numberMisscheduled: 0,
        numberReady: desired,
        observedGeneration: r.generation,
        updatedNumberScheduled: desired,
      },
      keep,
    );
    return { status, nextChangeAt: undefined };
  }
  const status = omitZero(
    {
      currentNumberScheduled: desired,
      desiredNumberScheduled: desired,
      numberMisscheduled: 0,
      numberReady: 0,
      numberUnavailable: desired,
      observedGeneration: r.generation,
      updatedNumberScheduled: desired,
    },
    keep,
  );
  return { status, nextChangeAt: r.fails ? undefined : nextAfter(input.now, r.readyAt) };
}

export function replicaSetStatus(input: SimulateInput): SimulatedStatus {
  const r = rollout(input, 1);
  if (r.ready || r.replicas === 0) {
    const status = omitZero(
      {
        replicas: r.replicas,
        fullyLabeledReplicas: r.replicas,
        readyReplicas: r.replicas,
        availableReplicas: r.replicas,
        observedGeneration: r.generation,
      },
      ['replicas'],
    );
    return { status, nextChangeAt: undefined };
  }
  const status = omitZero(
    { replicas: r.replicas, fullyLabeledReplicas: r.replicas, observedGeneration: r.generation },
    ['replicas'],
  );
  return { status, nextChangeAt: r.fails ? undefined : nextAfter(input.now, r.readyAt) };
}
