import { Type } from 'typebox';
import { ResourceName } from './common.ts';

export const ClusterMode = Type.Union([Type.Literal('push'), Type.Literal('pull')]);

export const ClusterCreate = Type.Object(
  {
    name: ResourceName,
    mode: ClusterMode,
    server: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    caData: Type.Optional(
      Type.String({ minLength: 1, maxLength: 65536, description: 'base64 PEM CA bundle' }),
    ),
    insecureSkipTLSVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Credentials are write-only: no response ever carries them. */
export const Cluster = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mode: ClusterMode,
  server: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const ClusterPatch = Type.Object(
  {
    mode: Type.Optional(ClusterMode),
    server: Type.Optional(
      Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }), Type.Null()]),
    ),
    token: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()])),
    caData: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 65536, description: 'base64 PEM CA bundle' }),
        Type.Null(),
      ]),
    ),
    insecureSkipTLSVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ClusterAgent = Type.Object({
  id: Type.String(),
  version: Type.Union([Type.String(), Type.Null()]),
  connected: Type.Boolean({ description: 'seen recently (within about a minute)' }),
  lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const bootstrapFields = {
  bootstrapToken: Type.Optional(
    Type.String({ description: 'one-time agent registration token; shown only in this answer' }),
  ),
  bootstrapTokenExpiresAt: Type.Optional(Type.String({ format: 'date-time' })),
};

/** A pull-mode cluster's creation (or switch to pull) also answers a bootstrap token, once. */
export const ClusterCreated = Type.Object({ ...Cluster.properties, ...bootstrapFields });

export const ClusterDetail = Type.Object({ ...Cluster.properties, agents: Type.Array(ClusterAgent) });

export const BootstrapTokenIssued = Type.Object({
  cluster: Type.String(),
  bootstrapToken: Type.String({ description: 'one-time agent registration token; shown only here' }),
  bootstrapTokenExpiresAt: Type.String({ format: 'date-time' }),
});

// No schema defaults here: AJV would fill them into a PATCH and silently reset the policy.
// Absent flags mean false on create (the database default) and "unchanged" on PATCH.
const syncPolicyFields = {
  automated: Type.Optional(Type.Boolean({ description: 'deploy on every push to the target revision' })),
  prune: Type.Optional(Type.Boolean({ description: 'delete objects no longer rendered' })),
  selfHeal: Type.Optional(Type.Boolean({ description: 're-apply when the cluster drifts' })),
  createNamespace: Type.Optional(
    Type.Boolean({ description: 'create the destination namespace if missing' }),
  ),
};

export const SyncPolicyInput = Type.Object(syncPolicyFields, { additionalProperties: false });

export const SyncPolicy = Type.Object({
  automated: Type.Boolean(),
  prune: Type.Boolean(),
  selfHeal: Type.Boolean(),
  createNamespace: Type.Boolean(),
});

export const Destination = Type.Object(
  { cluster: ResourceName, namespace: ResourceName },
  { additionalProperties: false },
);

const RepoUrl = Type.String({ minLength: 1, maxLength: 2048, description: 'https, ssh, git or file URL' });
const RepoPath = Type.String({
  maxLength: 1024,
  pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$)).*$',
  description: 'path inside the repository, relative',
});
const Revision = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s~^:?*\\[\\\\]+$' });

export const ApplicationCreate = Type.Object(
  {
    name: ResourceName,
    repoUrl: RepoUrl,
    path: RepoPath,
    targetRevision: Revision,
    destinations: Type.Array(Destination, { minItems: 1, maxItems: 1000 }),
    syncPolicy: Type.Optional(SyncPolicyInput),
    webhookSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const ApplicationPatch = Type.Object(
  {
    repoUrl: Type.Optional(RepoUrl),
    path: Type.Optional(RepoPath),
    targetRevision: Type.Optional(Revision),
    destinations: Type.Optional(Type.Array(Destination, { minItems: 1, maxItems: 1000 })),
    syncPolicy: Type.Optional(SyncPolicyInput),
    webhookSecret: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 256 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Application = Type.Object({
  id: Type.String(),
  name: Type.String(),
  repoUrl: Type.String(),
  path: Type.String(),
  targetRevision: Type.String(),
  destinations: Type.Array(Type.Object({ cluster: Type.String(), namespace: Type.String() })),
  syncPolicy: SyncPolicy,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ClusterSyncStatus = Type.Object({
  cluster: Type.String(),
  namespace: Type.String(),
  lastApplied: Type.Union([
    Type.Object({
      sha: Type.String(),
      deploymentId: Type.String(),
      at: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  sync: Type.Union([Type.Literal('synced'), Type.Literal('out-of-sync'), Type.Literal('unknown')]),
  health: Type.String({ description: 'healthy | progressing | degraded | unknown' }),
  healthReason: Type.Union([Type.String(), Type.Null()]),
  drift: Type.Union([
    Type.Object({
      detectedAt: Type.Union([Type.String(), Type.Null()]),
      objects: Type.Array(Type.Unknown()),
    }),
    Type.Null(),
  ]),
  checkedAt: Type.Union([Type.String(), Type.Null()]),
  running: Type.Union([Type.Object({ deploymentId: Type.String(), status: Type.String() }), Type.Null()]),
});

export const ApplicationWithStatus = Type.Intersect([
  Application,
  Type.Object({ status: Type.Array(ClusterSyncStatus) }),
]);

export const DeploymentStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
  Type.Literal('superseded'),
]);

export const ObjectResult = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  name: Type.String(),
  action: Type.String({ description: 'created | configured | unchanged | failed | pruned' }),
  error: Type.Optional(Type.String()),
});

export const Target = Type.Object({
  cluster: Type.String(),
  mode: ClusterMode,
  namespace: Type.String(),
  status: DeploymentStatus,
  attempts: Type.Integer(),
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  error: Type.Optional(Type.String()),
  errorCode: Type.Optional(Type.String()),
  objects: Type.Array(ObjectResult),
});

export const Deployment = Type.Object({
  id: Type.String(),
  application: Type.String(),
  revision: Type.Object({ ref: Type.String(), sha: Type.String() }),
  trigger: Type.Object({
    type: Type.Union([
      Type.Literal('webhook'),
      Type.Literal('api'),
      Type.Literal('rollback'),
      Type.Literal('selfheal'),
    ]),
    actor: Type.String(),
    deliveryId: Type.Optional(Type.String()),
    rollbackOf: Type.Optional(Type.String()),
  }),
  status: DeploymentStatus,
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  targets: Type.Array(Target),
});

export const AuditEvent = Type.Object({
  id: Type.String(),
  seq: Type.String({ description: 'position in the hash chain' }),
  at: Type.String({ format: 'date-time' }),
  type: Type.String(),
  actor: Type.Object({ type: Type.String(), name: Type.String() }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  deliveryId: Type.Union([Type.String(), Type.Null()]),
  applicationId: Type.Union([Type.String(), Type.Null()]),
  clusterId: Type.Union([Type.String(), Type.Null()]),
  deploymentId: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  sha: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
  hash: Type.String(),
  prevHash: Type.String(),
});
