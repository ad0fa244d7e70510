// The YAML an operator `kubectl apply`s to install the agent in a cluster (docs/AGENT-PROTOCOL.md,
// "Installing"). RBAC is not cluster-admin: the agent may read and write the built-in kinds Tether
// applies, cluster-wide, plus its own credential Secret. Custom resources, or a narrower scope,
// are the operator's choice (see the doc).
import { stringify } from 'yaml';

export interface AgentManifestInput {
  cluster: string;
  /** Where the agent reaches the control plane (https in production). */
  url: string;
  bootstrapToken: string;
  signingPublicKey: string;
  image: string;
  namespace: string;
}

const NAME = 'tether-agent';
const CREDENTIAL_SECRET = 'tether-agent-credential';
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/** The kinds in @tether/manifests' apply order, by API group: what a Tether bundle may carry. */
export const AGENT_RULES = [
  {
    apiGroups: [''],
    resources: [
      'namespaces',
      'serviceaccounts',
      'configmaps',
      'secrets',
      'services',
      'endpoints',
      'persistentvolumes',
      'persistentvolumeclaims',
      'pods',
      'replicationcontrollers',
      'resourcequotas',
      'limitranges',
    ],
    verbs: VERBS,
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    verbs: VERBS,
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: VERBS },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: VERBS },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: VERBS },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses', 'ingressclasses', 'networkpolicies'],
    verbs: VERBS,
  },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: VERBS },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
    verbs: VERBS,
  },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: VERBS },
  { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: VERBS },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: VERBS },
  // Health of what was applied: rollouts report through events and pod status.
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: READ },
];

export function agentManifestObjects(input: AgentManifestInput): Record<string, unknown>[] {
  const ns = input.namespace;
  const labels = {
    'app.kubernetes.io/name': NAME,
    'app.kubernetes.io/part-of': 'tether',
    'tether.dev/cluster': input.cluster,
  };
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels,
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, false) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(NAME, false),
      rules: AGENT_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: ns }],
    },
    {
      // Its own identity, kept across restarts, even when the ClusterRole is narrowed away.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(`${NAME}-credential`),
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [CREDENTIAL_SECRET],
          verbs: ['get', 'update', 'patch', 'delete'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${NAME}-credential`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${NAME}-credential` },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(NAME),
      type: 'Opaque',
      stringData: {
        TETHER_URL: input.url,
        TETHER_BOOTSTRAP_TOKEN: input.bootstrapToken,
        TETHER_SIGNING_PUBLIC_KEY: input.signingPublicKey,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(NAME),
      spec: {
        replicas: 1,
        // Never two agents on one identity while rolling.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'agent',
                image: input.image,
                envFrom: [{ secretRef: { name: NAME } }],
                env: [
                  {
                    name: 'TETHER_AGENT_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                ],
                resources: {
                  requests: { cpu: '50m', memory: '128Mi' },
                  limits: { memory: '512Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
  ];
}

export function agentManifestYaml(input: AgentManifestInput): string {
  const header = [
    `# Tether agent for cluster "${input.cluster}". Apply with: kubectl apply --server-side -f <file>`,
    '# The bootstrap token below is single-use and expires; fetch a fresh manifest to reinstall.',
  ].join('\n');
  const docs = agentManifestObjects(input).map((o) => stringify(o, { lineWidth: 0 }).trimEnd());
  return `${header}\n${docs.map((d) => `---\n${d}`).join('\n')}\n`;
}
