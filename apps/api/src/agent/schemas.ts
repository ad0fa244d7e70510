// Wire shapes of /agent/v1 (docs/AGENT-PROTOCOL.md).
import { Type } from 'typebox';

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
const Epoch = Type.Integer({ minimum: 0, description: 'fencing token from the claim' });

export const RegisterBody = Type.Object(
  {
    bootstrapToken: Type.String({ minLength: 1, maxLength: 512 }),
    version: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const Registration = Type.Object({
  agentId: Type.String(),
  clusterId: Type.String(),
  cluster: Type.String({ description: "the cluster's name" }),
  credential: Type.String({ description: 'bearer credential for every other call; shown once' }),
  signingPublicKey: Type.String({ description: 'Ed25519 SPKI PEM bundles are signed with' }),
  leaseTtlSeconds: Type.Number(),
  heartbeatIntervalSeconds: Type.Number(),
});

export const ClaimBody = Type.Object(
  {
    wait: Type.Optional(Type.Number({ minimum: 0, maximum: 30, default: 25, description: 'seconds' })),
    capabilities: Type.Optional(
      Type.Array(Type.String({ maxLength: 32 }), {
        maxItems: 16,
        description: 'what the agent does besides jobs: "diff" (it may get diff requests)',
      }),
    ),
    jobs: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'false: only diff requests (the agent is busy with a job)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Ref = {
  apiVersion: Type.String(),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  name: Type.String(),
};

const BundleRefSchema = Type.Object({
  digest: Type.String({ description: 'sha256 hex of the bundle bytes' }),
  signature: Type.String({ description: 'base64 Ed25519 over the bundle bytes' }),
});

export const ClaimAnswer = Type.Object(
  {
    job: Type.Optional(
      Type.Object({
        targetId: Type.String(),
        deploymentId: Type.String(),
        application: Type.String(),
        namespace: Type.String(),
        sha: Type.String(),
        attempt: Type.Integer(),
        epoch: Type.Integer(),
        leaseExpiresAt: Type.String({ format: 'date-time' }),
        leaseTtlSeconds: Type.Number(),
        syncPolicy: Type.Object({
          prune: Type.Boolean(),
          selfHeal: Type.Boolean(),
          createNamespace: Type.Boolean(),
        }),
        force: Type.Boolean({
          description: 'apply with force (a self-heal): take fields over from other managers',
        }),
        bundle: BundleRefSchema,
        inventory: Type.Array(Type.Object(Ref), {
          description: 'objects earlier syncs of this application left on this cluster (prune candidates)',
        }),
      }),
    ),
    diff: Type.Optional(
      Type.Object({
        requestId: Type.String(),
        application: Type.String(),
        namespace: Type.String(),
        sha: Type.String(),
        bundle: BundleRefSchema,
        inventory: Type.Array(Type.Object(Ref)),
        expiresAt: Type.String({ format: 'date-time', description: 'answers after this are refused' }),
      }),
    ),
  },
  { description: 'exactly one of job and diff' },
);

export const LeaseBody = Type.Object({ targetId: Id, epoch: Epoch }, { additionalProperties: false });

export const HeartbeatAnswer = Type.Object({
  leaseExpiresAt: Type.String({ format: 'date-time' }),
  cancel: Type.Boolean({ description: 'the target was cancelled: stop' }),
});

const ObjectReport = Type.Object(
  {
    apiVersion: Type.String({ minLength: 1, maxLength: 253 }),
    kind: Type.String({ minLength: 1, maxLength: 253 }),
    namespace: Type.Optional(Type.String({ maxLength: 253 })),
    name: Type.String({ minLength: 1, maxLength: 253 }),
    action: Type.String({ minLength: 1, maxLength: 64 }),
    error: Type.Optional(Type.String({ maxLength: 16_384 })),
  },
  { additionalProperties: false },
);

export const ResultBody = Type.Object(
  {
    targetId: Id,
    epoch: Epoch,
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    objects: Type.Array(ObjectReport, { maxItems: 20_000 }),
    error: Type.Optional(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 64 }),
          message: Type.String({ maxLength: 16_384 }),
          transient: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ResultAnswer = Type.Object({
  status: Type.String({ description: 'the target now: succeeded, failed, or queued (retried)' }),
});

export const DigestParams = Type.Object({ digest: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

const Change = Type.Object(
  {
    path: Type.String({ maxLength: 4096 }),
    from: Type.Optional(Type.Unknown()),
    to: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

const ReportedRef = {
  apiVersion: Type.String({ minLength: 1, maxLength: 253 }),
  kind: Type.String({ minLength: 1, maxLength: 253 }),
  namespace: Type.Optional(Type.String({ maxLength: 253 })),
  name: Type.String({ minLength: 1, maxLength: 253 }),
};

export const DesiredAnswer = Type.Object({
  items: Type.Array(
    Type.Object({
      application: Type.String(),
      applicationId: Type.String(),
      namespace: Type.String(),
      sha: Type.String(),
      bundle: BundleRefSchema,
      selfHeal: Type.Boolean(),
    }),
  ),
});

export const ObservationBody = Type.Object(
  {
    application: Type.String({ minLength: 1, maxLength: 253 }),
    applicationId: Type.Optional(Id),
    sha: Type.String({ pattern: '^[0-9a-f]{40,64}$' }),
    drift: Type.Array(
      Type.Object(
        {
          ...ReportedRef,
          changes: Type.Array(Change, { maxItems: 1_000 }),
          missing: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20_000 },
    ),
    health: Type.Union([Type.Literal('healthy'), Type.Literal('progressing'), Type.Literal('degraded')]),
    healthReason: Type.Optional(Type.String({ maxLength: 16_384 })),
  },
  { additionalProperties: false },
);

export const ObservationAnswer = Type.Object({
  recorded: Type.Boolean({ description: 'false: the report no longer applies; nothing recorded' }),
  skipped: Type.Optional(Type.String({ description: 'stale | in_flight | not_pull' })),
  drifted: Type.Boolean(),
  selfHealDeploymentId: Type.Optional(Type.String()),
});

export const RequestParams = Type.Object({ requestId: Id });

export const DiffReportBody = Type.Union([
  Type.Object(
    {
      objects: Type.Array(
        Type.Object(
          {
            ...ReportedRef,
            action: Type.String({ minLength: 1, maxLength: 64 }),
            changes: Type.Optional(Type.Array(Change, { maxItems: 1_000 })),
            conflicts: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1_000 })),
            reason: Type.Optional(Type.String({ maxLength: 16_384 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20_000 },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      error: Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 64 }),
          message: Type.String({ maxLength: 16_384 }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);
