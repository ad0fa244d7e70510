import { listClusters } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses, ListOf, ListQuery } from '../../schemas/common.ts';
import { Cluster } from '../../schemas/resources.ts';
import { clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const listClustersRoute: RouteModule = (app, deps) => {
  app.get(
    '/clusters',
    {
      schema: {
        tags: ['clusters'],
        querystring: Type.Object(ListQuery),
        response: { 200: ListOf(Cluster), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listClusters(deps.db, { limit: req.query.limit, cursor: req.query.cursor ?? null });
      return { items: page.items.map(clusterView), nextCursor: page.nextCursor };
    },
  );
};
