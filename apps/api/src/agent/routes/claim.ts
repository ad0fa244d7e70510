import { Type } from 'typebox';
import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { claimForAgent } from '../claim.ts';
import { ClaimAnswer, ClaimBody } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

export const claimRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/claim',
    {
      schema: {
        tags: ['agent'],
        summary: "Long poll for the next job (or diff request) of the agent's cluster",
        body: Type.Optional(ClaimBody),
        response: {
          200: ClaimAnswer,
          204: Type.Null({ description: 'no job within `wait`' }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req);
      // The client hanging up ends the wait (and with it the lane subscription).
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) gone.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const claimed = await claimForAgent(gw, {
          agent,
          waitMs: (req.body?.wait ?? 25) * 1000,
          // Diff requests go only to agents that said they answer them: older agents never see one.
          diffs: req.body?.capabilities?.includes('diff') === true,
          jobs: req.body?.jobs !== false,
          signal: AbortSignal.any([gone.signal, gw.shutdown]),
          requestId: req.id,
        });
        if (!claimed) return reply.code(204).send(null);
        return reply.code(200).send(claimed);
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
};
