import { listApplications } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses, ListOf, ListQuery } from '../../schemas/common.ts';
import { Application } from '../../schemas/resources.ts';
import { applicationView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const listApplicationsRoute: RouteModule = (app, deps) => {
  app.get(
    '/applications',
    {
      schema: {
        tags: ['applications'],
        querystring: Type.Object(ListQuery),
        response: { 200: ListOf(Application), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listApplications(deps.db, {
        limit: req.query.limit,
        cursor: req.query.cursor ?? null,
      });
      return { items: page.items.map(applicationView), nextCursor: page.nextCursor };
    },
  );
};
