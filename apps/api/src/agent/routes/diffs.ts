import { NotFoundError } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { answerDiff } from '../diffs.ts';
import { DiffReportBody, RequestParams } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

/** The answer to a diff request the agent claimed; another cluster's (or a withdrawn) request is 404. */
export const diffAnswerRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/diffs/:requestId',
    {
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['agent'],
        summary: 'Answer a diff request: the objects (or why there are none)',
        params: RequestParams,
        body: DiffReportBody,
        response: { 200: Type.Object({ accepted: Type.Boolean() }), ...errorResponses },
      },
    },
    async (req) => {
      const agent = agentOf(req);
      const { requestId } = req.params;
      if (!(await answerDiff(gw, agent.clusterId, requestId, req.body))) {
        throw new NotFoundError('diff request', requestId);
      }
      return { accepted: true };
    },
  );
};
