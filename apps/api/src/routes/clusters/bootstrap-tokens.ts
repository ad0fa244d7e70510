import { getClusterByName } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { BootstrapTokenIssued } from '../../schemas/resources.ts';
import { issueBootstrapToken } from '../../services/pull.ts';
import type { RouteModule } from '../types.ts';

export const createBootstrapTokenRoute: RouteModule = (app, deps) => {
  app.post(
    '/clusters/:name/bootstrap-tokens',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Issue a one-time agent bootstrap token (shown only in this answer)',
        params: NameParams,
        response: { 201: BootstrapTokenIssued, ...errorResponses },
      },
    },
    async (req, reply) => {
      const cluster = await getClusterByName(deps.db, req.params.name);
      const issued = await issueBootstrapToken(deps, deps.db, cluster.id, {
        actor: actorOf(req),
        requestId: req.id,
      });
      return reply.code(201).send({ cluster: cluster.name, ...issued });
    },
  );
};
