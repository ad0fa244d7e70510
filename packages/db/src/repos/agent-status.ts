// Reads about agents for the REST API and the gateway: who is registered, and whether a credential
// checked at the start of a long poll is still good.
import type { DbTx } from '../client.ts';
import { NotFoundError } from '../errors.ts';
import { AGENT_SECRETS, type AgentRecord } from './agents.ts';

/** The cluster's agents that are not revoked, oldest first. */
export function listAgents(db: DbTx, clusterId: string): Promise<AgentRecord[]> {
  return db.agent.findMany({
    where: { clusterId, revokedAt: null },
    omit: AGENT_SECRETS,
    orderBy: { createdAt: 'asc' },
  });
}

/** An agent of this cluster (revoked or not); NotFoundError for another cluster's agent. */
export async function getClusterAgent(db: DbTx, clusterId: string, agentId: string): Promise<AgentRecord> {
  const agent = await db.agent.findFirst({ where: { id: agentId, clusterId }, omit: AGENT_SECRETS });
  if (agent === null) throw new NotFoundError('agent', agentId);
  return agent;
}

/** False once the agent is revoked or its cluster deleted (checked again during long polls). */
export async function isAgentActive(db: DbTx, agentId: string): Promise<boolean> {
  const agent = await db.agent.findUnique({
    where: { id: agentId },
    select: { revokedAt: true, cluster: { select: { deletedAt: true } } },
  });
  return agent !== null && agent.revokedAt === null && agent.cluster.deletedAt === null;
}
