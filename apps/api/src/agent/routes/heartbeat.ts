import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { heartbeat } from '../report.ts';
import { HeartbeatAnswer, LeaseBody } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

export const heartbeatRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/heartbeat',
    {
      schema: {
        tags: ['agent'],
        summary: 'Extend the lease of a claimed job',
        body: LeaseBody,
        response: { 200: HeartbeatAnswer, ...errorResponses },
      },
    },
    async (req) => {
      const agent = agentOf(req);
      return heartbeat(gw, agent, req.body, {
        actor: { type: 'agent', name: agent.id },
        requestId: req.id,
      });
    },
  );
};
