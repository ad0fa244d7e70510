// Defaulting the apiserver applies to built-in types (a subset of pkg/apis/*/v1/defaults.go),
// so stored objects look like those of a real cluster. Mutates the object in place.
import type { KubeObject } from './types.ts';
import { isRecord } from './util.ts';

type Obj = Record<string, unknown>;

function rec(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isRecord(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function defaultContainer(c: unknown): void {
  if (!isRecord(c)) return;
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  const tagged = /:[^/]+$/.test(image.split('@')[0] ?? '');
  const latest = !tagged || image.endsWith(':latest');
  setDefault(c, 'imagePullPolicy', latest && !image.includes('@') ? 'Always' : 'IfNotPresent');
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) if (isRecord(p)) setDefault(p, 'protocol', 'TCP');
  }
  if (!isRecord(c.resources)) c.resources = {};
}

export function defaultPodSpec(spec: Obj): void {
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list) defaultContainer(c);
  }
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

function defaultTemplate(spec: Obj): void {
  const template = spec.template;
  if (!isRecord(template)) return;
  const podSpec = template.spec;
  if (isRecord(podSpec)) defaultPodSpec(podSpec);
  const meta = template.metadata;
  if (isRecord(meta) && meta.creationTimestamp === undefined) meta.creationTimestamp = null;
}

function deployment(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = rec(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = rec(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  defaultTemplate(spec);
}

function statefulSet(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  setDefault(spec, 'revisionHistoryLimit', 10);
  const strategy = rec(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') setDefault(rec(strategy, 'rollingUpdate'), 'partition', 0);
  const retention = rec(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  defaultTemplate(spec);
}

function daemonSet(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'revisionHistoryLimit', 10);
  const strategy = rec(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = rec(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  defaultTemplate(spec);
}

function replicaSet(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

function job(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  const template = spec.template;
  if (isRecord(template)) {
    const podSpec = template.spec;
    if (isRecord(podSpec)) {
      // Jobs require Never/OnFailure; keep what was sent and only fill the rest.
      const restart = podSpec.restartPolicy;
      defaultPodSpec(podSpec);
      if (restart !== undefined) podSpec.restartPolicy = restart;
    }
    const meta = template.metadata;
    if (isRecord(meta) && meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  }
}

function cronJob(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = spec.jobTemplate;
  if (isRecord(jobTemplate)) {
    const meta = jobTemplate.metadata;
    if (isRecord(meta) && meta.creationTimestamp === undefined) meta.creationTimestamp = null;
    const jobSpec = jobTemplate.spec;
    if (isRecord(jobSpec)) {
      const template = jobSpec.template;
      if (isRecord(template)) {
        const podSpec = template.spec;
        if (isRecord(podSpec)) {
          const restart = podSpec.restartPolicy;
          defaultPodSpec(podSpec);
          if (restart !== undefined) podSpec.restartPolicy = restart;
        }
        const tmeta = template.metadata;
        if (isRecord(tmeta) && tmeta.creationTimestamp === undefined) tmeta.creationTimestamp = null;
      }
    }
  }
}

function service(obj: Obj, allocateIp: () => string): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = allocateIp();
    if (!Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  }
  if (Array.isArray(spec.ports)) {
    let nodePort = 30000;
    for (const p of spec.ports) {
      if (!isRecord(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p.port);
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === undefined) {
        p.nodePort = nodePort + (Number(p.port) % 2768);
        nodePort += 1;
      }
    }
  }
  const status = rec(obj, 'status');
  setDefault(status, 'loadBalancer', {});
}

function secret(obj: Obj): void {
  setDefault(obj, 'type', 'Opaque');
  // stringData is write-only: merged into data (base64) and never stored.
  const stringData = obj.stringData;
  if (isRecord(stringData)) {
    const data = rec(obj, 'data');
    for (const [k, v] of Object.entries(stringData)) {
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    }
  }
  delete obj.stringData;
}

function pod(obj: Obj): void {
  const spec = rec(obj, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  setDefault(spec, 'priority', 0);
}

function namespace(obj: Obj): void {
  const meta = rec(obj, 'metadata');
  const labels = rec(meta, 'labels');
  if (typeof meta.name === 'string') labels['kubernetes.io/metadata.name'] = meta.name;
  const spec = rec(obj, 'spec');
  setDefault(spec, 'finalizers', ['kubernetes']);
}

function pvc(obj: Obj): void {
  const spec = rec(obj, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
}

function ingress(obj: Obj): void {
  const status = rec(obj, 'status');
  setDefault(status, 'loadBalancer', {});
}

export interface DefaultingContext {
  allocateClusterIp: () => string;
}

/** Applies defaults for a built-in kind; a no-op for kinds without defaults and for custom resources. */
export function applyDefaults(obj: KubeObject, ctx: DefaultingContext): void {
  const o = obj as unknown as Obj;
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'apps/v1/Deployment':
      deployment(o);
      return;
    case 'apps/v1/StatefulSet':
      statefulSet(o);
      return;
    case 'apps/v1/DaemonSet':
      daemonSet(o);
      return;
    case 'apps/v1/ReplicaSet':
      replicaSet(o);
      return;
    case 'batch/v1/Job':
      job(o);
      return;
    case 'batch/v1/CronJob':
      cronJob(o);
      return;
    case 'v1/Service':
      service(o, ctx.allocateClusterIp);
      return;
    case 'v1/Secret':
      secret(o);
      return;
    case 'v1/Pod':
      pod(o);
      return;
    case 'v1/Namespace':
      namespace(o);
      return;
    case 'v1/PersistentVolumeClaim':
      pvc(o);
      return;
    case 'networking.k8s.io/v1/Ingress':
      ingress(o);
      return;
  }
}
