import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { recordObservation } from '../observe.ts';
import { ObservationAnswer, ObservationBody } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

/** An agent's drift check of one application: recorded like the push worker's; may start a self-heal. */
export const observationsRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/observations',
    {
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['agent'],
        summary: 'Report drift and health of an application on the agent’s cluster',
        body: ObservationBody,
        response: { 200: ObservationAnswer, ...errorResponses },
      },
    },
    async (req) => {
      const agent = agentOf(req);
      return recordObservation(
        gw,
        agent,
        req.body,
        { actor: { type: 'agent', name: agent.id }, requestId: req.id },
        gw.logger.child({ requestId: req.id, agentId: agent.id }),
      );
    },
  );
};
