import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { desiredFor } from '../observe.ts';
import { DesiredAnswer } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

/** What the agent's cluster should hold: the bundle each application last applied there. */
export const desiredRoute: AgentRouteModule = (app, gw) => {
  app.get(
    '/desired',
    {
      schema: {
        tags: ['agent'],
        summary: "The last applied bundle of every application on the agent's cluster (for drift checks)",
        response: { 200: DesiredAnswer, ...errorResponses },
      },
    },
    async (req) => {
      const agent = agentOf(req);
      const items = await desiredFor(gw, agent, gw.logger.child({ requestId: req.id, agentId: agent.id }));
      return { items };
    },
  );
};
