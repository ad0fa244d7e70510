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
  { wait: Type.Optional(Type.Number({ minimum: 0, maximum: 30, default: 25, description: 'seconds' })) },
  { additionalProperties: false },
);

export const ClaimedJob = Type.Object({
  job: Type.Object({
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
    bundle: Type.Object({
      digest: Type.String({ description: 'sha256 hex of the bundle bytes' }),
      signature: Type.String({ description: 'base64 Ed25519 over the bundle bytes' }),
    }),
    inventory: Type.Array(
      Type.Object({
        apiVersion: Type.String(),
        kind: Type.String(),
        namespace: Type.Optional(Type.String()),
        name: Type.String(),
      }),
      { description: 'objects earlier syncs of this application left on this cluster (prune candidates)' },
    ),
  }),
});

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
