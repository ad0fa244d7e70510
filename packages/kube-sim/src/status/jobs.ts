// Job and Pod status: Jobs complete (or fail for `:fail` images) after the ready delay;
// Pods run and become ready, or wait in ImagePullBackOff.
import { createHash } from 'node:crypto';
import { getPath, isRecord, rfc3339 } from '../util.ts';
import { type CondSpec, conditions, nextAfter, num } from './conditions.ts';
import type { SimulatedStatus, SimulateInput } from './contract.ts';
import { imageTag, templateFails } from './images.ts';

function finished(prev: Record<string, unknown> | undefined): boolean {
  if (!prev || !Array.isArray(prev.conditions)) return false;
  return prev.conditions.some(
    (c) => isRecord(c) && (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

export function jobStatus(input: SimulateInput): SimulatedStatus {
  const obj = input.object;
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const prev = isRecord(obj.status) ? obj.status : undefined;
  if (finished(prev)) return { status: prev, nextChangeAt: undefined };
  const started = input.generationSince;
  const doneAt = started + Math.max(0, input.options.readyDelayMs);
  const startTime = typeof prev?.startTime === 'string' ? prev.startTime : rfc3339(started);
  const base = { startTime, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
  if (spec.suspend === true) {
    return {
      status: {
        conditions: conditions(
          prev,
          [
            {
              type: 'Suspended',
              status: 'True',
              reason: 'JobSuspended',
              message: 'Job suspended',
              at: input.now,
            },
          ],
          'job',
        ),
      },
      nextChangeAt: undefined,
    };
  }
  if (input.now < doneAt) {
    return {
      status: { ...base, active: num(spec.parallelism, 1) },
      nextChangeAt: nextAfter(input.now, doneAt),
    };
  }
  if (templateFails(obj)) {
    const message = 'Job has reached the specified backoff limit';
    return {
      status: {
        ...base,
        failed: num(spec.backoffLimit, 6) + 1,
        conditions: conditions(
          prev,
          [
            { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message, at: doneAt },
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message, at: doneAt },
          ],
          'job',
        ),
      },
      nextChangeAt: undefined,
    };
  }
  const message = 'Reached expected number of succeeded pods';
  return {
    status: {
      ...base,
      completionTime: rfc3339(doneAt),
      succeeded: num(spec.completions, 1),
      conditions: conditions(
        prev,
        [
          { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message, at: doneAt },
          { type: 'Complete', status: 'True', reason: 'CompletionsReached', message, at: doneAt },
        ],
        'job',
      ),
    },
    nextChangeAt: undefined,
  };
}

/**
 * What a pod's status has in every phase: its conditions (empty reason and message left out, as
 * the kubelet writes them), addresses, start time and container statuses.
 */
function podStatusOf(
  prev: Record<string, unknown> | undefined,
  phase: string,
  ip: string,
  since: number,
  statuses: unknown[],
  specs: CondSpec[],
): Record<string, unknown> {
  return {
    phase,
    conditions: conditions(prev, specs, 'plain').map((c) => {
      const out: Record<string, unknown> = { ...c, lastProbeTime: null };
      if (out.reason === '') delete out.reason;
      if (out.message === '') delete out.message;
      return out;
    }),
    hostIP: '172.18.0.2',
    hostIPs: [{ ip: '172.18.0.2' }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: rfc3339(since),
    containerStatuses: statuses,
    qosClass: 'BestEffort',
  };
}

function podIp(uid: string): string {
  const h = createHash('sha256').update(uid).digest();
  return `10.244.${h[0] ?? 0}.${((h[1] ?? 0) % 253) + 2}`;
}

export function podStatus(input: SimulateInput): SimulatedStatus {
  const obj = input.object;
  const uid = obj.metadata.uid ?? '';
  const prev = isRecord(obj.status) ? obj.status : undefined;
  const since = input.generationSince;
  const readyAt = since + Math.max(0, input.options.readyDelayMs);
  const fails = templateFails(obj, 'spec');
  const ready = !fails && input.now >= readyAt;
  const refs = obj.metadata.ownerReferences;
  const jobPod = Array.isArray(refs) && refs.some((r) => isRecord(r) && r.kind === 'Job');
  if (jobPod && ready) return completedPod(input, readyAt);
  const containers = Array.isArray(getPath(obj, 'spec.containers'))
    ? (getPath(obj, 'spec.containers') as unknown[])
    : [];
  const statuses = containers.filter(isRecord).map((c) => {
    const image = String(c.image ?? '');
    const base = { name: c.name, image, imageID: '', ready, restartCount: 0, started: ready };
    if (ready) {
      const containerID = `containerd://${createHash('sha256')
        .update(`${uid}/${String(c.name)}`)
        .digest('hex')}`;
      return {
        ...base,
        containerID,
        imageID: image,
        state: { running: { startedAt: rfc3339(readyAt) } },
        lastState: {},
      };
    }
    const waiting =
      imageTag(image) === 'fail'
        ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }
        : { reason: 'ContainerCreating' };
    return { ...base, state: { waiting }, lastState: {} };
  });
  const ip = podIp(uid);
  const notReady = {
    status: 'False' as const,
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${containers
      .filter(isRecord)
      .map((c) => String(c.name))
      .join(' ')}]`,
    at: since,
  };
  const status = podStatusOf(prev, ready ? 'Running' : 'Pending', ip, since, statuses, [
    { type: 'PodReadyToStartContainers', status: 'True', reason: '', message: '', at: since },
    { type: 'Initialized', status: 'True', reason: '', message: '', at: since },
    ready
      ? { type: 'Ready', status: 'True', reason: '', message: '', at: readyAt }
      : { type: 'Ready', ...notReady },
    ready
      ? { type: 'ContainersReady', status: 'True', reason: '', message: '', at: readyAt }
      : { type: 'ContainersReady', ...notReady },
    { type: 'PodScheduled', status: 'True', reason: '', message: '', at: since },
  ]);
  return { status, nextChangeAt: fails ? undefined : nextAfter(input.now, readyAt) };
}

export function pvcStatus(input: SimulateInput): SimulatedStatus {
  const spec = isRecord(input.object.spec) ? input.object.spec : {};
  const storage = getPath(spec, 'resources.requests.storage');
  const status: Record<string, unknown> = { phase: 'Bound' };
  if (Array.isArray(spec.accessModes)) status.accessModes = spec.accessModes;
  if (storage !== undefined) status.capacity = { storage };
  return { status, nextChangeAt: undefined };
}

/** Services: a LoadBalancer gets an ingress address (as MetalLB or a cloud would assign). */
export function serviceStatus(input: SimulateInput): SimulatedStatus {
  const spec = isRecord(input.object.spec) ? input.object.spec : {};
  if (spec.type !== 'LoadBalancer') return { status: { loadBalancer: {} }, nextChangeAt: undefined };
  const h = createHash('sha256')
    .update(input.object.metadata.uid ?? '')
    .digest();
  const ip = `172.18.255.${((h[0] ?? 0) % 200) + 10}`;
  return { status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } }, nextChangeAt: undefined };
}

/** A Job's pod after its container exited 0. */
function completedPod(input: SimulateInput, doneAt: number): SimulatedStatus {
  const obj = input.object;
  const since = input.generationSince;
  const prev = isRecord(obj.status) ? obj.status : undefined;
  const containers = Array.isArray(getPath(obj, 'spec.containers'))
    ? (getPath(obj, 'spec.containers') as unknown[])
    : [];
  const statuses = containers.filter(isRecord).map((c) => ({
    name: c.name,
    image: String(c.image ?? ''),
    imageID: String(c.image ?? ''),
    ready: false,
    restartCount: 0,
    started: false,
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: rfc3339(since),
        finishedAt: rfc3339(doneAt),
      },
    },
    lastState: {},
  }));
  const ip = podIp(obj.metadata.uid ?? '');
  return {
    status: podStatusOf(prev, 'Succeeded', ip, since, statuses, [
      { type: 'Initialized', status: 'True', reason: 'PodCompleted', message: '', at: since },
      { type: 'Ready', status: 'False', reason: 'PodCompleted', message: '', at: doneAt },
      { type: 'ContainersReady', status: 'False', reason: 'PodCompleted', message: '', at: doneAt },
      { type: 'PodScheduled', status: 'True', reason: '', message: '', at: since },
    ]),
    nextChangeAt: undefined,
  };
}
