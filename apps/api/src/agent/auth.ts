// Agent authentication for /agent/v1: the bearer credential an agent got at registration. Only
// its hash is stored; a revoked agent (or one of a deleted cluster) gets 401 on its next request.
import { TetherError } from '@tether/core';
import { type AgentRecord, type Db, touchAgent, verifyAgentCredential } from '@tether/db';
import type { FastifyRequest } from 'fastify';
import { bearerOf } from '../http/auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    agent: AgentRecord | undefined;
  }
}

/** lastSeenAt is written at most this often per agent, to spare a write on every request. */
export const TOUCH_INTERVAL_MS = 5_000;

export function requireAgent(db: Db) {
  return async (req: FastifyRequest): Promise<void> => {
    const credential = bearerOf(req);
    if (!credential)
      throw new TetherError('unauthorized', 'missing agent credential (Authorization: Bearer <credential>)');
    const agent = await verifyAgentCredential(db, credential);
    if (!agent) throw new TetherError('unauthorized', 'invalid or revoked agent credential');
    req.agent = agent;
    const now = Date.now();
    if (!agent.lastSeenAt || now - agent.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      await touchAgent(db, agent.id);
      agent.lastSeenAt = new Date(now);
    }
  };
}

export function agentOf(req: FastifyRequest): AgentRecord {
  if (!req.agent) throw new TetherError('unauthorized', 'not authenticated');
  return req.agent;
}
