import { cancelDeployment } from '@tether/db';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.ts';
import { errorResponses } from '../../schemas/common.ts';
import { Deployment } from '../../schemas/resources.ts';
import { deploymentView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const cancelDeploymentRoute: RouteModule = (app, deps) => {
  app.post(
    '/deployments/:id/cancel',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Cancel: waiting targets end cancelled; running ones stop at the next object boundary',
        params: Type.Object({ id: Type.String({ pattern: '^dep_[0-9a-z]{24}$' }) }),
        response: { 200: Deployment, ...errorResponses },
      },
    },
    async (req) =>
      deploymentView(
        await cancelDeployment(deps.db, req.params.id, { actor: actorOf(req), requestId: req.id }),
      ),
  );
};
