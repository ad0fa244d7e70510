import { deleteCluster, getClusterByName, listAgents } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Cluster, ClusterDetail } from '../../schemas/resources.ts';
import { connectedWindowMs } from '../../services/pull.ts';
import { agentView, clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const getClusterRoute: RouteModule = (app, deps) => {
  app.get(
    '/clusters/:name',
    {
      schema: {
        tags: ['clusters'],
        summary: 'A cluster, with its registered (not revoked) agents',
        params: NameParams,
        response: { 200: ClusterDetail, ...errorResponses },
      },
    },
    async (req) => {
      const cluster = await getClusterByName(deps.db, req.params.name);
      const agents = await listAgents(deps.db, cluster.id);
      const window = connectedWindowMs(deps);
      return { ...clusterView(cluster), agents: agents.map((a) => agentView(a, window)) };
    },
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
