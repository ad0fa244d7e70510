// Merge semantics of built-in kinds, kept as a path-pattern table (the subset of the
// apiserver's OpenAPI list/map markers that changes how apply and strategic merge patch
// behave). Anything not listed follows the defaults: objects are granular structs, lists are
// atomic, scalars are leaves. Custom resources get only the ObjectMeta rules.

/** How strategic merge patch treats a list (patchStrategy / patchMergeKey). */
export type SmpList =
  | { readonly strategy: 'merge'; readonly key?: string }
  | { readonly strategy: 'replace' };

export type Schema =
  /** Named fields; unknown fields are untyped. */
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, Schema> }
  /** String-keyed map: its keys are map keys, not named fields (they are owned as members). */
  | { readonly kind: 'map'; readonly elem: Schema }
  | {
      readonly kind: 'list';
      readonly type: 'set' | 'map';
      readonly keys: readonly string[];
      readonly keyDefaults: Readonly<Record<string, unknown>>;
      readonly elem: Schema;
      readonly smp: SmpList;
    }
  /** Replaced as a whole (x-kubernetes-list-type/map-type atomic, structType=atomic). */
  | { readonly kind: 'atomic' }
  /** Nothing known: objects act as structs, lists as atomic lists, the rest as scalars. */
  | { readonly kind: 'untyped' };

export const UNTYPED: Schema = { kind: 'untyped' };

/** The schema of field `name` under `s`. */
export function fieldSchema(s: Schema, name: string): Schema {
  if (s.kind === 'struct') return s.fields.get(name) ?? UNTYPED;
  if (s.kind === 'map') return s.elem;
  return UNTYPED;
}

export function elemSchema(s: Schema): Schema {
  return s.kind === 'list' ? s.elem : UNTYPED;
}

// --- table ---------------------------------------------------------------------------------

/** One row of the table: what the value at a path pattern is. */
export type Rule =
  | {
      readonly rule: 'listMap';
      readonly keys: string[];
      readonly defaults?: Record<string, unknown>;
      readonly smp?: SmpList;
      readonly atomicItems?: boolean;
    }
  | { readonly rule: 'set' }
  | { readonly rule: 'atomic' }
  | { readonly rule: 'map' };

export type Rules = Record<string, Rule>;

export const listMap = (
  keys: string[],
  opts: { defaults?: Record<string, unknown>; smpKey?: string; smp?: SmpList; atomicItems?: boolean } = {},
): Rule => ({
  rule: 'listMap',
  keys,
  ...(opts.defaults ? { defaults: opts.defaults } : {}),
  smp: opts.smp ?? { strategy: 'merge', key: opts.smpKey ?? keys[0] ?? '' },
  ...(opts.atomicItems ? { atomicItems: true } : {}),
});
export const SET: Rule = { rule: 'set' };
export const ATOMIC: Rule = { rule: 'atomic' };
export const MAP: Rule = { rule: 'map' };

function under(prefix: string, rules: Rules): Rules {
  const out: Rules = {};
  for (const [path, rule] of Object.entries(rules)) out[`${prefix}.${path}`] = rule;
  return out;
}

const TCP = { protocol: 'TCP' };

const CONTAINER: Rules = {
  ports: listMap(['containerPort', 'protocol'], { defaults: TCP, smpKey: 'containerPort' }),
  env: listMap(['name']),
  'env[].valueFrom.configMapKeyRef': ATOMIC,
  'env[].valueFrom.secretKeyRef': ATOMIC,
  'env[].valueFrom.fieldRef': ATOMIC,
  'env[].valueFrom.resourceFieldRef': ATOMIC,
  volumeMounts: listMap(['mountPath']),
  volumeDevices: listMap(['devicePath']),
  'resources.limits': MAP,
  'resources.requests': MAP,
  'resources.claims': listMap(['name'], { smp: { strategy: 'replace' } }),
};

const POD_SPEC: Rules = {
  containers: listMap(['name']),
  ...under('containers[]', CONTAINER),
  initContainers: listMap(['name']),
  ...under('initContainers[]', CONTAINER),
  ephemeralContainers: listMap(['name']),
  ...under('ephemeralContainers[]', CONTAINER),
  volumes: listMap(['name']),
  'volumes[].csi.volumeAttributes': MAP,
  'volumes[].csi.nodePublishSecretRef': ATOMIC,
  imagePullSecrets: listMap(['name'], { atomicItems: true }),
  hostAliases: listMap(['ip']),
  topologySpreadConstraints: listMap(['topologyKey', 'whenUnsatisfiable'], { smpKey: 'topologyKey' }),
  'topologySpreadConstraints[].labelSelector': ATOMIC,
  resourceClaims: listMap(['name']),
  schedulingGates: listMap(['name']),
  nodeSelector: ATOMIC,
  overhead: MAP,
  'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution': ATOMIC,
};

const POD_TEMPLATE: Rules = {
  'metadata.labels': MAP,
  'metadata.annotations': MAP,
  ...under('spec', POD_SPEC),
};

const CONDITIONS: Rules = { 'status.conditions': listMap(['type']) };

const WORKLOAD: Rules = { ...under('spec.template', POD_TEMPLATE), 'spec.selector': ATOMIC, ...CONDITIONS };

/** Keyed by "<group>/<Kind>" ("" is the core group). */
const KINDS: Record<string, Rules> = {
  '/Pod': {
    ...under('spec', POD_SPEC),
    ...CONDITIONS,
    'status.podIPs': listMap(['ip']),
    'status.hostIPs': listMap(['ip']),
  },
  '/PodTemplate': under('template', POD_TEMPLATE),
  '/ReplicationController': {
    ...under('spec.template', POD_TEMPLATE),
    'spec.selector': ATOMIC,
    ...CONDITIONS,
  },
  'apps/Deployment': WORKLOAD,
  'apps/ReplicaSet': WORKLOAD,
  'apps/StatefulSet': WORKLOAD,
  'apps/DaemonSet': WORKLOAD,
  'batch/Job': WORKLOAD,
  'batch/CronJob': {
    ...under('spec.jobTemplate.spec.template', POD_TEMPLATE),
    'spec.jobTemplate.spec.selector': ATOMIC,
    'spec.jobTemplate.metadata.labels': MAP,
    'spec.jobTemplate.metadata.annotations': MAP,
  },
  '/Service': {
    'spec.ports': listMap(['port', 'protocol'], { defaults: TCP, smpKey: 'port' }),
    'spec.selector': ATOMIC,
    ...CONDITIONS,
  },
  '/ConfigMap': { data: MAP, binaryData: MAP },
  '/Secret': { data: MAP, stringData: MAP },
  '/Namespace': CONDITIONS,
  '/Node': {
    ...CONDITIONS,
    'status.addresses': listMap(['type']),
    'status.capacity': MAP,
    'status.allocatable': MAP,
  },
  '/PersistentVolumeClaim': {
    'spec.selector': ATOMIC,
    'spec.resources.requests': MAP,
    'spec.resources.limits': MAP,
    'status.capacity': MAP,
    ...CONDITIONS,
  },
  // Without a listType the apiserver reads patchMergeKey as the list-map key.
  '/ServiceAccount': {
    secrets: listMap(['name']),
    imagePullSecrets: listMap(['name'], { atomicItems: true }),
  },
  'rbac.authorization.k8s.io/RoleBinding': { roleRef: ATOMIC },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { roleRef: ATOMIC },
  'networking.k8s.io/NetworkPolicy': { 'spec.podSelector': ATOMIC },
  'policy/PodDisruptionBudget': { 'spec.selector': ATOMIC, ...CONDITIONS },
  'autoscaling/HorizontalPodAutoscaler': CONDITIONS,
  'storage.k8s.io/StorageClass': { parameters: MAP },
  'apiextensions.k8s.io/CustomResourceDefinition': CONDITIONS,
};

/** ObjectMeta, shared by every kind including custom resources. */
const METADATA: Rules = {
  'metadata.labels': MAP,
  'metadata.annotations': MAP,
  'metadata.ownerReferences': listMap(['uid'], { atomicItems: true }),
  'metadata.finalizers': SET,
  'metadata.managedFields': ATOMIC,
};

// --- compilation into a schema tree ----------------------------------------------------------

interface Draft {
  kind: 'struct' | 'map' | 'list' | 'atomic';
  fields: Map<string, Draft>;
  rule?: Rule;
  elem?: Draft;
}

function draftStruct(): Draft {
  return { kind: 'struct', fields: new Map() };
}

/** Builds a schema tree from path patterns ("a.b[].c"; "[]" steps into list items). */
export function compileSchema(rules: Rules): Schema {
  const root = draftStruct();
  // Shorter paths first so a list exists before rules for its items.
  const entries = Object.entries(rules).sort(([a], [b]) => a.split('.').length - b.split('.').length);
  for (const [path, rule] of entries) {
    let node = root;
    const steps = path.split('.');
    steps.forEach((step, i) => {
      const isItem = step.endsWith('[]');
      const name = isItem ? step.slice(0, -2) : step;
      let next = node.fields.get(name);
      if (!next) {
        next = draftStruct();
        node.fields.set(name, next);
      }
      if (isItem) {
        if (next.kind !== 'list' || !next.elem)
          throw new Error(`schema table: ${path} steps into non-list ${name}`);
        next = next.elem;
      }
      if (i === steps.length - 1) {
        next.rule = rule;
        if (rule.rule === 'listMap' || rule.rule === 'set') {
          next.kind = 'list';
          next.elem =
            rule.rule === 'listMap' && rule.atomicItems
              ? { kind: 'atomic', fields: new Map() }
              : draftStruct();
        } else next.kind = rule.rule === 'map' ? 'map' : 'atomic';
      }
      node = next;
    });
  }
  return freeze(root);
}

function freeze(d: Draft): Schema {
  const rule = d.rule;
  if (d.kind === 'atomic') return { kind: 'atomic' };
  if (d.kind === 'map') return { kind: 'map', elem: UNTYPED };
  if (d.kind === 'list' && d.elem) {
    const isSet = rule?.rule === 'set';
    const keys = rule?.rule === 'listMap' ? rule.keys : [];
    return {
      kind: 'list',
      type: isSet ? 'set' : 'map',
      keys,
      keyDefaults: rule?.rule === 'listMap' ? (rule.defaults ?? {}) : {},
      elem: freeze(d.elem),
      smp:
        rule?.rule === 'listMap'
          ? (rule.smp ?? { strategy: 'merge', key: keys[0] ?? '' })
          : { strategy: 'merge' },
    };
  }
  const fields = new Map<string, Schema>();
  for (const [name, child] of d.fields) fields.set(name, freeze(child));
  return { kind: 'struct', fields };
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const cache = new Map<string, Schema>();

/** The schema of an object's kind; custom resources only know ObjectMeta. */
export function schemaFor(apiVersion: string, kind: string): Schema {
  const id = `${groupOf(apiVersion)}/${kind}`;
  let schema = cache.get(id);
  if (!schema) {
    schema = compileSchema({ ...METADATA, ...(KINDS[id] ?? {}) });
    cache.set(id, schema);
  }
  return schema;
}

/** Built-in API groups: core, the dotless ones (apps, batch...) and *.k8s.io (a heuristic). */
function isBuiltinGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

// --- zero objects ---------------------------------------------------------------------------

// What the apiserver compares a create against: the Go zero value of the kind serialized to
// JSON. Non-pointer structs are present (so they never appear as "added" with a "." marker)
// and some nil slices/pointers are null. Custom resources start from nothing.
const TEMPLATE_ZERO = { metadata: { creationTimestamp: null }, spec: { containers: null } };
const ZEROS: Record<string, Record<string, unknown>> = {
  '/Pod': { metadata: {}, spec: { containers: null }, status: {} },
  '/PodTemplate': { metadata: {}, template: TEMPLATE_ZERO },
  '/ReplicationController': { metadata: {}, spec: { template: null }, status: { replicas: 0 } },
  'apps/Deployment': {
    metadata: {},
    spec: { selector: null, template: TEMPLATE_ZERO, strategy: {} },
    status: {},
  },
  'apps/ReplicaSet': {
    metadata: {},
    spec: { selector: null, template: TEMPLATE_ZERO },
    status: { replicas: 0 },
  },
  'apps/StatefulSet': {
    metadata: {},
    spec: { selector: null, template: TEMPLATE_ZERO, updateStrategy: {} },
    status: { replicas: 0 },
  },
  'apps/DaemonSet': {
    metadata: {},
    spec: { selector: null, template: TEMPLATE_ZERO, updateStrategy: {} },
    status: {},
  },
  'batch/Job': { metadata: {}, spec: { template: TEMPLATE_ZERO }, status: {} },
  'batch/CronJob': {
    metadata: {},
    spec: { schedule: '', jobTemplate: { metadata: {}, spec: { template: TEMPLATE_ZERO } } },
    status: {},
  },
  '/Service': { metadata: {}, spec: {}, status: { loadBalancer: {} } },
  '/Namespace': { metadata: {}, spec: {}, status: {} },
  '/PersistentVolumeClaim': { metadata: {}, spec: { resources: {} }, status: {} },
  'networking.k8s.io/Ingress': { metadata: {}, spec: {}, status: { loadBalancer: {} } },
  'networking.k8s.io/NetworkPolicy': { metadata: {}, spec: { podSelector: {} } },
  'rbac.authorization.k8s.io/Role': { metadata: {}, rules: null },
  'rbac.authorization.k8s.io/ClusterRole': { metadata: {}, rules: null },
  'rbac.authorization.k8s.io/RoleBinding': { metadata: {}, roleRef: { apiGroup: '', kind: '', name: '' } },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    metadata: {},
    roleRef: { apiGroup: '', kind: '', name: '' },
  },
};

/** The object a create is compared against when recording who set which fields. */
export function zeroObject(apiVersion: string, kind: string): Record<string, unknown> {
  const zero = ZEROS[`${groupOf(apiVersion)}/${kind}`];
  if (zero) return structuredClone(zero);
  return isBuiltinGroup(groupOf(apiVersion)) ? { metadata: {}, spec: {}, status: {} } : {};
}
