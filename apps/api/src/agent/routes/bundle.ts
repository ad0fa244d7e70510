import { NotFoundError } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses } from '../../schemas/common.ts';
import { agentOf } from '../auth.ts';
import { clusterMayFetch, readBundle } from '../bundles.ts';
import { DigestParams } from '../schemas.ts';
import type { AgentRouteModule } from './types.ts';

/**
 * The bundle's exact bytes. Only bundles handed to a target of the agent's own cluster (or granted
 * to it for a diff or a drift check) exist for it.
 */
export const bundleRoute: AgentRouteModule = (app, gw) => {
  app.get(
    '/bundles/:digest',
    {
      schema: {
        tags: ['agent'],
        summary: 'Fetch a signed bundle (its signature in x-tether-signature)',
        params: DigestParams,
        response: {
          200: Type.Unknown({ description: 'the bundle bytes (canonical JSON)' }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req);
      const { digest } = req.params;
      const found = (await clusterMayFetch(gw, agent.clusterId, digest))
        ? await readBundle(gw, digest)
        : undefined;
      if (!found) throw new NotFoundError('bundle', digest);
      return reply
        .header('content-type', 'application/json')
        .header('x-tether-signature', found.signature)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(Buffer.from(found.content));
    },
  );
};
