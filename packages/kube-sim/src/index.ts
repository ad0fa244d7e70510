// @tether/kube-sim: a Kubernetes API simulator for tests, benchmarks and demos.
export type { ClusterUser } from './cluster.ts';
export { VirtualCluster } from './cluster.ts';
export type { AddClusterOptions, KubeSim, KubeSimOptions, SimCluster } from './kube-sim.ts';
export { ROOT_CLUSTER, startKubeSim } from './kube-sim.ts';
export type { KubeconfigEntry } from './kubeconfig.ts';
export { kubeconfigYaml } from './kubeconfig.ts';
export type { FieldsV1, KubeObject, ManagedFieldsEntry, ObjectMeta } from './types.ts';
