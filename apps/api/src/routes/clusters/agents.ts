import { getClusterAgent, getClusterByName, revokeAgent } from '@tether/db';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, ResourceName } from '../../schemas/common.ts';
import { ClusterAgent } from '../../schemas/resources.ts';
import { connectedWindowMs } from '../../services/pull.ts';
import { agentView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

const Params = Type.Object({
  name: ResourceName,
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});

/** Revokes an agent's credential: its next request (a waiting claim included) gets 401. */
export const revokeAgentRoute: RouteModule = (app, deps) => {
  app.delete(
    '/clusters/:name/agents/:id',
    {
      schema: {
        tags: ['clusters'],
        summary: "Revoke an agent's credential",
        params: Params,
        response: { 200: ClusterAgent, ...errorResponses },
      },
    },
    async (req) => {
      const cluster = await getClusterByName(deps.db, req.params.name);
      const found = await getClusterAgent(deps.db, cluster.id, req.params.id);
      const agent = found.revokedAt
        ? found
        : await revokeAgent(deps.db, found.id, { actor: actorOf(req), requestId: req.id });
      return agentView(agent, connectedWindowMs(deps));
    },
  );
};
