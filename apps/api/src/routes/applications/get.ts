import { applicationStatus, deleteApplication, getApplicationByName } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Application, ApplicationWithStatus } from '../../schemas/resources.ts';
import { applicationView, clusterStatusView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const getApplicationRoute: RouteModule = (app, deps) => {
  app.get(
    '/applications/:name',
    {
      schema: {
        tags: ['applications'],
        summary:
          'The application, with its status on each cluster: last applied revision, sync, health, drift',
        params: NameParams,
        response: { 200: ApplicationWithStatus, ...errorResponses },
      },
    },
    async (req) => {
      const app = await getApplicationByName(deps.db, req.params.name);
      const status = await applicationStatus(deps.db, app.id);
      return { ...applicationView(app), status: status.map(clusterStatusView) };
    },
  );
};

export const deleteApplicationRoute: RouteModule = (app, deps) => {
  app.delete(
    '/applications/:name',
    {
      schema: {
        tags: ['applications'],
        params: NameParams,
        response: { 200: Application, ...errorResponses },
      },
    },
    async (req) =>
      applicationView(
        await deleteApplication(deps.db, req.params.name, { actor: actorOf(req), requestId: req.id }),
      ),
  );
};
