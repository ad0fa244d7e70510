import { Type } from 'typebox';
import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { claimForAgent } from '../claim.ts';
import { ClaimBody, ClaimedJob } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

export const claimRoute: AgentRouteModule = (app, gw) => {
  app.post(
    '/claim',
    {
      schema: {
        tags: ['agent'],
        summary: "Long poll for the next job of the agent's cluster",
        body: Type.Optional(ClaimBody),
        response: {
          200: ClaimedJob,
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
        const job = await claimForAgent(gw, {
          agent,
          waitMs: (req.body?.wait ?? 25) * 1000,
          signal: AbortSignal.any([gone.signal, gw.shutdown]),
          requestId: req.id,
        });
        if (!job) return reply.code(204).send(null);
        return reply.code(200).send({ job });
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
};
