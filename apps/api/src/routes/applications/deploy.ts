import { getApplicationByName } from '@tether/db';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Deployment } from '../../schemas/resources.ts';
import { createAndEnqueue } from '../../services/deploy.ts';
import { resolveRevision } from '../../services/repo.ts';
import { deploymentView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

const DeployBody = Type.Object(
  {
    revision: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'branch, tag or commit SHA; default the target revision',
      }),
    ),
  },
  { additionalProperties: false },
);

export const deployApplicationRoute: RouteModule = (app, deps) => {
  app.post(
    '/applications/:name/deployments',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Deploy a revision of the application to all its destinations',
        params: NameParams,
        body: Type.Optional(DeployBody),
        response: { 202: Deployment, ...errorResponses, 422: errorResponses[400], 502: errorResponses[503] },
      },
    },
    async (req, reply) => {
      const application = await getApplicationByName(deps.db, req.params.name);
      const revision = req.body?.revision ?? application.targetRevision;
      const sha = await resolveRevision(deps.mirrors, application.repoUrl, revision);
      const [deployment] = await createAndEnqueue(
        deps,
        [{ applicationId: application.id, revision, sha, trigger: 'api', supersede: true }],
        { actor: actorOf(req), requestId: req.id },
      );
      return reply.code(202).send(deploymentView(deployment as NonNullable<typeof deployment>));
    },
  );
};
