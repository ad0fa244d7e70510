import { updateApplication } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Application, ApplicationPatch } from '../../schemas/resources.ts';
import { checkedRepoUrl } from '../../services/repo.ts';
import { applicationView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const patchApplicationRoute: RouteModule = (app, deps) => {
  app.patch(
    '/applications/:name',
    {
      schema: {
        tags: ['applications'],
        summary: 'Change some fields; destinations, when given, replace the whole set',
        params: NameParams,
        body: ApplicationPatch,
        response: { 200: Application, ...errorResponses },
      },
    },
    async (req) => {
      const { syncPolicy, repoUrl, ...rest } = req.body;
      const updated = await updateApplication(
        deps.db,
        req.params.name,
        {
          ...rest,
          ...(repoUrl !== undefined ? { repoUrl: checkedRepoUrl(repoUrl) } : {}),
          ...(syncPolicy ?? {}),
        },
        { actor: actorOf(req), requestId: req.id },
      );
      return applicationView(updated);
    },
  );
};
