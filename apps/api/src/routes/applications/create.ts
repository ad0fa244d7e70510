import { createApplication } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses } from '../../schemas/common.ts';
import { Application, ApplicationCreate } from '../../schemas/resources.ts';
import { checkedRepoUrl } from '../../services/repo.ts';
import { applicationView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

export const createApplicationRoute: RouteModule = (app, deps) => {
  app.post(
    '/applications',
    {
      schema: {
        tags: ['applications'],
        summary: 'Create an application: a Git path synced to one or more cluster namespaces',
        body: ApplicationCreate,
        response: { 201: Application, ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const created = await createApplication(
        deps.db,
        {
          name: b.name,
          repoUrl: checkedRepoUrl(b.repoUrl),
          path: b.path,
          targetRevision: b.targetRevision,
          destinations: b.destinations,
          webhookSecret: b.webhookSecret ?? null,
          ...(b.syncPolicy ?? {}),
        },
        { actor: actorOf(req), requestId: req.id },
      );
      return reply.code(201).send(applicationView(created));
    },
  );
};
