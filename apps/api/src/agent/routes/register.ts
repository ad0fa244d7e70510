import { getClusterById, registerAgent } from '@tether/db';
import { errorResponses } from '../../schemas/common.ts';
import { RegisterBody, Registration } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

/** Unauthenticated: the one-time bootstrap token is the proof. It is spent here. */
export const registerRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/register',
    {
      schema: {
        tags: ['agent'],
        summary: 'Trade a bootstrap token for an agent credential',
        security: [],
        body: RegisterBody,
        response: { 201: Registration, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { agent, credential } = await registerAgent(gw.db, req.body.bootstrapToken, {
        version: req.body.version ?? null,
        requestId: req.id,
      });
      const cluster = await getClusterById(gw.db, agent.clusterId);
      const ttl = gw.settings.leaseTtlMs / 1000;
      req.log.info({ agentId: agent.id, clusterId: agent.clusterId }, 'agent registered');
      return reply.code(201).send({
        agentId: agent.id,
        clusterId: agent.clusterId,
        cluster: cluster.name,
        credential,
        signingPublicKey: gw.signer.publicKeyPem,
        leaseTtlSeconds: ttl,
        heartbeatIntervalSeconds: Math.round((ttl / 3) * 1000) / 1000,
      });
    },
  );
};
