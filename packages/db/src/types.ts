// Row and enum types for the other workspaces, which must not import the Prisma client itself.
export type {
  ActorType,
  AuditEvent,
  ClusterMode,
  DeliveryStatus,
  Deployment,
  DeploymentStatus,
  DeploymentTarget,
  TargetStatus,
  TriggerType,
  WebhookDelivery,
} from '../generated/prisma/client.ts';
