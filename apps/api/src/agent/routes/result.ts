import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { recordResult } from '../report.ts';
import { ResultAnswer, ResultBody } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

export const resultRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/result',
    {
      // Per-object results of a large application can outgrow the API's default limit.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['agent'],
        summary: 'Report the outcome of a claimed job, per object',
        body: ResultBody,
        response: { 200: ResultAnswer, ...errorResponses },
      },
    },
    async (req) => {
      const agent = agentOf(req);
      return recordResult(
        gw,
        agent,
        req.body,
        { actor: { type: 'agent', name: agent.id }, requestId: req.id },
        gw.logger.child({ requestId: req.id, agentId: agent.id }),
      );
    },
  );
};
