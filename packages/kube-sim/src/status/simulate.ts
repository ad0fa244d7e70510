// Workload status simulation: pure, given an object and a clock it says what the status is
// and when it next changes on its own.
import type { SimulatedStatus, SimulateInput } from './contract.ts';
import { jobStatus, podStatus, pvcStatus, serviceStatus } from './jobs.ts';
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from './workloads.ts';

const SIMULATORS: Record<string, (input: SimulateInput) => SimulatedStatus> = {
  'apps/v1/Deployment': deploymentStatus,
  'apps/v1/StatefulSet': statefulSetStatus,
  'apps/v1/DaemonSet': daemonSetStatus,
  'apps/v1/ReplicaSet': replicaSetStatus,
  'batch/v1/Job': jobStatus,
  'v1/Pod': podStatus,
  'v1/PersistentVolumeClaim': pvcStatus,
  'v1/Service': serviceStatus,
};

export function isSimulated(apiVersion: string, kind: string): boolean {
  return Object.hasOwn(SIMULATORS, `${apiVersion}/${kind}`);
}

export function simulateStatus(input: SimulateInput): SimulatedStatus {
  const sim = SIMULATORS[`${input.object.apiVersion}/${input.object.kind}`];
  if (!sim) return { status: undefined, nextChangeAt: undefined };
  return sim(input);
}
