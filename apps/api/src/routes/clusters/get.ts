import { deleteCluster, getClusterByName } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Cluster } from '../../schemas/resources.ts';
import { clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const getClusterRoute: RouteModule = (app, deps) => {
  app.get(
    '/clusters/:name',
    { schema: { tags: ['clusters'], params: NameParams, response: { 200: Cluster, ...errorResponses } } },
    async (req) => clusterView(await getClusterByName(deps.db, req.params.name)),
  );
};

export const deleteClusterRoute: RouteModule = (app, deps) => {
  app.delete(
    '/clusters/:name',
    { schema: { tags: ['clusters'], params: NameParams, response: { 200: Cluster, ...errorResponses } } },
    async (req) =>
      clusterView(await deleteCluster(deps.db, req.params.name, { actor: actorOf(req), requestId: req.id })),
  );
};
