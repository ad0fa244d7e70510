import { getApplicationByName, getDeployment, listDeployments } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses, ListOf, ListQuery } from '../../schemas/common.ts';
import { Deployment, DeploymentStatus } from '../../schemas/resources.ts';
import { deploymentView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

const Query = Type.Object({
  application: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  status: Type.Optional(DeploymentStatus),
  ...ListQuery,
});

export const listDeploymentsRoute: RouteModule = (app, deps) => {
  app.get(
    '/deployments',
    {
      schema: {
        tags: ['deployments'],
        querystring: Query,
        response: { 200: ListOf(Deployment), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const applicationId = q.application
        ? (await getApplicationByName(deps.db, q.application)).id
        : undefined;
      const page = await listDeployments(deps.db, {
        ...(applicationId ? { applicationId } : {}),
        ...(q.status ? { status: q.status } : {}),
        limit: q.limit,
        cursor: q.cursor ?? null,
      });
      return { items: page.items.map(deploymentView), nextCursor: page.nextCursor };
    },
  );
};

export const getDeploymentRoute: RouteModule = (app, deps) => {
  app.get(
    '/deployments/:id',
    {
      schema: {
        tags: ['deployments'],
        params: Type.Object({ id: Type.String({ pattern: '^dep_[0-9a-z]{24}$' }) }),
        response: { 200: Deployment, ...errorResponses },
      },
    },
    async (req) => deploymentView(await getDeployment(deps.db, req.params.id)),
  );
};
