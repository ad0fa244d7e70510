import { deleteApplication, getApplicationByName } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Application } from '../../schemas/resources.ts';
import { applicationView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const getApplicationRoute: RouteModule = (app, deps) => {
  app.get(
    '/applications/:name',
    {
      schema: {
        tags: ['applications'],
        params: NameParams,
        response: { 200: Application, ...errorResponses },
      },
    },
    async (req) => applicationView(await getApplicationByName(deps.db, req.params.name)),
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
