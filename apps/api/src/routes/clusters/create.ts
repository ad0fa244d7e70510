import { TetherError } from '@tether/core';
import { createCluster } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses } from '../../schemas/common.ts';
import { Cluster, ClusterCreate } from '../../schemas/resources.ts';
import { clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const createClusterRoute: RouteModule = (app, deps) => {
  app.post(
    '/clusters',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Register a cluster',
        body: ClusterCreate,
        response: { 201: Cluster, ...errorResponses },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.mode === 'push' && !body.server) {
        throw new TetherError(
          'invalid_request',
          'body.server: a push-mode cluster needs the API server URL',
          {
            field: 'body.server',
          },
        );
      }
      const cluster = await createCluster(
        deps.db,
        {
          name: body.name,
          mode: body.mode,
          server: body.server ?? null,
          token: body.token ?? null,
          caData: body.caData ?? null,
          insecureSkipTLSVerify: body.insecureSkipTLSVerify ?? false,
        },
        { actor: actorOf(req), requestId: req.id },
      );
      return reply.code(201).send(clusterView(cluster));
    },
  );
};
