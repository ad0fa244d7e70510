// The agent protocol's payloads (docs/AGENT-PROTOCOL.md), typed once for both ends: the gateway
// in apps/api builds them, the agent in apps/agent parses them.

/** A bundle as a claim names it: content address and Ed25519 signature over its bytes. */
export interface BundleRef {
  digest: string;
  signature: string;
}

/** An object earlier syncs of the application left on the cluster: a prune candidate. */
export interface InventoryRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A claimed job: one DeploymentTarget, leased to the agent under a fencing epoch. */
export interface AgentJob {
  targetId: string;
  deploymentId: string;
  application: string;
  namespace: string;
  sha: string;
  attempt: number;
  epoch: number;
  leaseExpiresAt: string;
  leaseTtlSeconds: number;
  syncPolicy: { prune: boolean; selfHeal: boolean; createNamespace: boolean };
  /** Take fields over from other managers: a self-heal re-applies what was changed behind Tether's back. */
  force: boolean;
  bundle: BundleRef;
  /** What earlier syncs of this application left on this cluster: the prune candidates. */
  inventory: InventoryRef[];
}

/** A diff request: what applying this bundle would change on the cluster (nothing is applied). */
export interface AgentDiffRequest {
  requestId: string;
  application: string;
  namespace: string;
  sha: string;
  bundle: BundleRef;
  inventory: InventoryRef[];
  /** Past this the asker has given up: an answer is refused (404). */
  expiresAt: string;
}
