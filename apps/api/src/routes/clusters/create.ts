import { TetherError } from '@tether/core';
import { createCluster, withTx } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses } from '../../schemas/common.ts';
import { ClusterCreate, ClusterCreated } from '../../schemas/resources.ts';
import { issueBootstrapToken } from '../../services/pull.ts';
import { clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const createClusterRoute: RouteModule = (app, deps) => {
  app.post(
    '/clusters',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Register a cluster (pull mode: answers a one-time agent bootstrap token)',
        body: ClusterCreate,
        response: { 201: ClusterCreated, ...errorResponses },
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
      const ctx = { actor: actorOf(req), requestId: req.id };
      const created = await withTx(deps.db, async (tx) => {
        const cluster = await createCluster(
          tx,
          {
            name: body.name,
            mode: body.mode,
            server: body.server ?? null,
            token: body.token ?? null,
            caData: body.caData ?? null,
            insecureSkipTLSVerify: body.insecureSkipTLSVerify ?? false,
          },
          ctx,
        );
        const bootstrap = cluster.mode === 'pull' ? await issueBootstrapToken(deps, tx, cluster.id, ctx) : {};
        return { ...clusterView(cluster), ...bootstrap };
      });
      return reply.code(201).send(created);
    },
  );
};
