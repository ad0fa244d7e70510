// Field numbers of the Kubernetes protobuf messages that typed clients (kubectl create ...,
// client-go clientsets) send, from the k8s.io/api generated.proto files.
// Notation per field: "<number> <jsonName> <type>", where type is s (string), b (bytes),
// i (integer), bool, time, qty (resource.Quantity), ios (IntOrString), map (map<string,string>),
// mapb (map<string,bytes>), mapq (map<string,Quantity>) or a message name; a leading * marks a
// repeated field, a trailing ? a pointer (kept even when zero), a leading @ an inlined message.

const RAW: Record<string, string> = {
  ObjectMeta:
    '1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; 6 resourceVersion s; 7 generation i; 8 creationTimestamp time; 9 deletionTimestamp time; 10 deletionGracePeriodSeconds i?; 11 labels map; 12 annotations map; 13 ownerReferences *OwnerReference; 14 finalizers *s; 17 managedFields *ManagedFieldsEntry',
  OwnerReference:
    '1 kind s; 3 name s; 4 uid s; 5 apiVersion s; 6 controller bool?; 7 blockOwnerDeletion bool?',
  ManagedFieldsEntry:
    '1 manager s; 2 operation s; 3 apiVersion s; 4 time time; 6 fieldsType s; 7 fieldsV1 FieldsV1; 8 subresource s',
  FieldsV1: '1 Raw b',
  LabelSelector: '1 matchLabels map; 2 matchExpressions *LabelSelectorRequirement',
  LabelSelectorRequirement: '1 key s; 2 operator s; 3 values *s',
  DeleteOptions:
    '1 gracePeriodSeconds i?; 2 preconditions Preconditions; 3 orphanDependents bool?; 4 propagationPolicy s?; 5 dryRun *s',
  Preconditions: '1 uid s?; 2 resourceVersion s?',

  Namespace: '1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus',
  NamespaceSpec: '1 finalizers *s',
  NamespaceStatus: '1 phase s',
  ConfigMap: '1 metadata ObjectMeta; 2 data map; 3 binaryData mapb; 4 immutable bool?',
  Secret: '1 metadata ObjectMeta; 2 data mapb; 3 type s; 4 stringData map; 5 immutable bool?',
  ServiceAccount:
    '1 metadata ObjectMeta; 2 secrets *ObjectReference; 3 imagePullSecrets *LocalObjectReference; 4 automountServiceAccountToken bool?',
  ObjectReference:
    '1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; 6 resourceVersion s; 7 fieldPath s',
  LocalObjectReference: '1 name s',
  Service: '1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus',
  ServiceSpec:
    '1 ports *ServicePort; 2 selector map; 3 clusterIP s; 4 type s; 5 externalIPs *s; 7 sessionAffinity s; 8 loadBalancerIP s; 9 loadBalancerSourceRanges *s; 10 externalName s; 11 externalTrafficPolicy s; 12 healthCheckNodePort i; 13 publishNotReadyAddresses bool; 18 clusterIPs *s; 19 ipFamilies *s; 17 ipFamilyPolicy s?; 20 allocateLoadBalancerNodePorts bool?; 21 loadBalancerClass s?; 22 internalTrafficPolicy s?',
  ServicePort: '1 name s; 2 protocol s; 3 port i; 4 targetPort ios; 5 nodePort i; 6 appProtocol s?',
  ServiceStatus: '1 loadBalancer LoadBalancerStatus',
  LoadBalancerStatus: '1 ingress *LoadBalancerIngress',
  LoadBalancerIngress: '1 ip s; 2 hostname s',
  ResourceQuota: '1 metadata ObjectMeta; 2 spec ResourceQuotaSpec; 3 status ResourceQuotaStatus',
  ResourceQuotaSpec: '1 hard mapq; 2 scopes *s; 3 scopeSelector ScopeSelector',
  ResourceQuotaStatus: '1 hard mapq; 2 used mapq',
  ScopeSelector: '1 matchExpressions *ScopedResourceSelectorRequirement',
  ScopedResourceSelectorRequirement: '1 scopeName s; 2 operator s; 3 values *s',

  PodTemplateSpec: '1 metadata ObjectMeta; 2 spec PodSpec',
  PodSpec:
    '1 volumes *Volume; 2 containers *Container; 3 restartPolicy s; 4 terminationGracePeriodSeconds i?; 5 activeDeadlineSeconds i?; 6 dnsPolicy s; 7 nodeSelector map; 8 serviceAccountName s; 9 serviceAccount s; 10 nodeName s; 11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool; 15 imagePullSecrets *LocalObjectReference; 16 hostname s; 17 subdomain s; 19 schedulerName s; 20 initContainers *Container; 21 automountServiceAccountToken bool?; 24 priorityClassName s; 25 priority i?; 29 runtimeClassName s?; 30 enableServiceLinks bool?; 31 preemptionPolicy s?',
  Container:
    '1 name s; 2 image s; 3 command *s; 4 args *s; 5 workingDir s; 6 ports *ContainerPort; 7 env *EnvVar; 8 resources ResourceRequirements; 9 volumeMounts *VolumeMount; 13 terminationMessagePath s; 14 imagePullPolicy s; 16 stdin bool; 17 stdinOnce bool; 18 tty bool; 20 terminationMessagePolicy s; 24 restartPolicy s?',
  ContainerPort: '1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s',
  EnvVar: '1 name s; 2 value s',
  ResourceRequirements: '1 limits mapq; 2 requests mapq',
  VolumeMount: '1 name s; 2 readOnly bool; 3 mountPath s; 4 subPath s',
  Volume: '1 name s; @2 volumeSource VolumeSource',
  VolumeSource:
    '6 secret SecretVolumeSource; 19 configMap ConfigMapVolumeSource; 2 emptyDir EmptyDirVolumeSource',
  SecretVolumeSource: '1 secretName s; 3 defaultMode i?; 4 optional bool?',
  ConfigMapVolumeSource: '@1 localObjectReference LocalObjectReference; 3 defaultMode i?; 4 optional bool?',
  EmptyDirVolumeSource: '1 medium s; 2 sizeLimit qty',

  Deployment: '1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus',
  DeploymentSpec:
    '1 replicas i?; 2 selector LabelSelector; 3 template PodTemplateSpec; 4 strategy DeploymentStrategy; 5 minReadySeconds i; 6 revisionHistoryLimit i?; 7 paused bool; 9 progressDeadlineSeconds i?',
  DeploymentStrategy: '1 type s; 2 rollingUpdate RollingUpdateDeployment',
  RollingUpdateDeployment: '1 maxUnavailable ios; 2 maxSurge ios',
  DeploymentStatus:
    '1 observedGeneration i; 2 replicas i; 3 updatedReplicas i; 4 availableReplicas i; 5 unavailableReplicas i; 7 readyReplicas i',
  Job: '1 metadata ObjectMeta; 2 spec JobSpec; 3 status JobStatus',
  JobSpec:
    '1 parallelism i?; 2 completions i?; 3 activeDeadlineSeconds i?; 4 selector LabelSelector; 5 manualSelector bool?; 6 template PodTemplateSpec; 7 backoffLimit i?; 8 ttlSecondsAfterFinished i?; 9 completionMode s?; 10 suspend bool?',
  JobStatus: '4 active i; 5 succeeded i; 6 failed i; 7 completedIndexes s',
  CronJob: '1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status CronJobStatus',
  CronJobSpec:
    '1 schedule s; 2 startingDeadlineSeconds i?; 3 concurrencyPolicy s; 4 suspend bool?; 5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit i?; 7 failedJobsHistoryLimit i?; 8 timeZone s?',
  CronJobStatus: '',
  JobTemplateSpec: '1 metadata ObjectMeta; 2 spec JobSpec',

  Ingress: '1 metadata ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus',
  IngressSpec:
    '1 defaultBackend IngressBackend; 2 tls *IngressTLS; 3 rules *IngressRule; 4 ingressClassName s?',
  IngressTLS: '1 hosts *s; 2 secretName s',
  IngressRule: '1 host s; @2 ingressRuleValue IngressRuleValue',
  IngressRuleValue: '1 http HTTPIngressRuleValue',
  HTTPIngressRuleValue: '1 paths *HTTPIngressPath',
  HTTPIngressPath: '1 path s; 2 backend IngressBackend; 3 pathType s?',
  IngressBackend: '3 resource TypedLocalObjectReference; 4 service IngressServiceBackend',
  TypedLocalObjectReference: '1 apiGroup s?; 2 kind s; 3 name s',
  IngressServiceBackend: '1 name s; 2 port ServiceBackendPort',
  ServiceBackendPort: '1 name s; 2 number i',
  IngressStatus: '1 loadBalancer IngressLoadBalancerStatus',
  IngressLoadBalancerStatus: '1 ingress *IngressLoadBalancerIngress',
  IngressLoadBalancerIngress: '1 ip s; 2 hostname s',

  Role: '1 metadata ObjectMeta; 2 rules *PolicyRule',
  ClusterRole: '1 metadata ObjectMeta; 2 rules *PolicyRule; 3 aggregationRule AggregationRule',
  PolicyRule: '1 verbs *s; 2 apiGroups *s; 3 resources *s; 4 resourceNames *s; 5 nonResourceURLs *s',
  AggregationRule: '1 clusterRoleSelectors *LabelSelector',
  RoleBinding: '1 metadata ObjectMeta; 2 subjects *Subject; 3 roleRef RoleRef',
  ClusterRoleBinding: '1 metadata ObjectMeta; 2 subjects *Subject; 3 roleRef RoleRef',
  Subject: '1 kind s; 2 apiGroup s; 3 name s; 4 namespace s',
  RoleRef: '1 apiGroup s; 2 kind s; 3 name s',

  PodDisruptionBudget:
    '1 metadata ObjectMeta; 2 spec PodDisruptionBudgetSpec; 3 status PodDisruptionBudgetStatus',
  PodDisruptionBudgetSpec:
    '1 minAvailable ios?; 2 selector LabelSelector; 3 maxUnavailable ios?; 4 unhealthyPodEvictionPolicy s?',
  PodDisruptionBudgetStatus:
    '1 observedGeneration i; 3 disruptionsAllowed i; 4 currentHealthy i; 5 desiredHealthy i; 6 expectedPods i',
  PriorityClass:
    '1 metadata ObjectMeta; 2 value i; 3 globalDefault bool; 4 description s; 5 preemptionPolicy s?',
  Scale: '1 metadata ObjectMeta; 2 spec ScaleSpec; 3 status ScaleStatus',
  SelfSubjectAccessReview:
    '1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus',
  SelfSubjectAccessReviewSpec:
    '1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes',
  ResourceAttributes:
    '1 namespace s; 2 verb s; 3 group s; 4 version s; 5 resource s; 6 subresource s; 7 name s',
  NonResourceAttributes: '1 path s; 2 verb s',
  SubjectAccessReviewStatus: '1 allowed bool; 2 reason s; 3 evaluationError s; 4 denied bool',
  SelfSubjectRulesReview:
    '1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec; 3 status SubjectRulesReviewStatus',
  SelfSubjectRulesReviewSpec: '1 namespace s',
  SubjectRulesReviewStatus: '3 incomplete bool; 4 evaluationError s',
  SelfSubjectReview: '1 metadata ObjectMeta; 2 status SelfSubjectReviewStatus',
  SelfSubjectReviewStatus: '1 userInfo UserInfo',
  UserInfo: '1 username s; 2 uid s; 3 groups *s',
  TokenRequest: '1 metadata ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus',
  TokenRequestSpec: '1 audiences *s; 3 boundObjectRef BoundObjectReference; 4 expirationSeconds i?',
  BoundObjectReference: '1 kind s; 2 apiVersion s; 3 name s; 4 uid s',
  TokenRequestStatus: '1 token s; 2 expirationTimestamp time',
  ScaleSpec: '1 replicas i',
  ScaleStatus: '1 replicas i; 2 selector s',
};

export type Scalar = 's' | 'b' | 'i' | 'bool' | 'time' | 'qty' | 'ios' | 'map' | 'mapb' | 'mapq';

export interface FieldDef {
  name: string;
  type: Scalar | { message: string };
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
}

const SCALARS = new Set(['s', 'b', 'i', 'bool', 'time', 'qty', 'ios', 'map', 'mapb', 'mapq']);

function parse(spec: string): Map<number, FieldDef> {
  const out = new Map<number, FieldDef>();
  for (const part of spec.split(';')) {
    const tokens = part.trim().split(/\s+/);
    if (tokens.length !== 3) continue;
    let [num = '', name = '', type = ''] = tokens;
    const inline = num.startsWith('@');
    num = num.replace('@', '');
    const repeated = type.startsWith('*');
    const pointer = type.endsWith('?');
    type = type.replace('*', '').replace('?', '');
    out.set(Number(num), {
      name,
      type: SCALARS.has(type) ? (type as Scalar) : { message: type },
      repeated,
      pointer,
      inline,
    });
  }
  return out;
}

export const MESSAGES: ReadonlyMap<string, Map<number, FieldDef>> = new Map(
  Object.entries(RAW).map(([name, spec]) => [name, parse(spec)]),
);

/** Top-level message per apiVersion/kind. */
export const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'autoscaling/v1/Scale': 'Scale',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'v1/DeleteOptions': 'DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
};
