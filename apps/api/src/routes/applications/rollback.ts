import { TetherError } from '@tether/core';
import { getApplicationByName, getDeployment } from '@tether/db';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { Deployment } from '../../schemas/resources.ts';
import { createAndEnqueue } from '../../services/deploy.ts';
import { resolveRevision } from '../../services/repo.ts';
import { deploymentView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

const RollbackBody = Type.Object(
  {
    to: Type.String({
      minLength: 4,
      maxLength: 64,
      description: 'a deployment id of this application (dep_...) or a commit SHA (full or abbreviated)',
    }),
  },
  { additionalProperties: false },
);

const DEPLOYMENT_ID = /^dep_[0-9a-z]{24}$/;
const SHA = /^[0-9a-f]{4,40}$/;

export const rollbackApplicationRoute: RouteModule = (app, deps) => {
  app.post(
    '/applications/:name/rollback',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Redeploy an earlier revision, as a new deployment marked as a rollback',
        params: NameParams,
        body: RollbackBody,
        response: { 202: Deployment, ...errorResponses, 422: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const application = await getApplicationByName(deps.db, req.params.name);
      const { to } = req.body;
      let sha: string;
      let rollbackOfId: string | null = null;
      if (DEPLOYMENT_ID.test(to)) {
        const previous = await getDeployment(deps.db, to);
        // Another application's deployment is as invisible here as a missing one.
        if (previous.applicationId !== application.id)
          throw new TetherError('not_found', `deployment ${to} not found`);
        sha = previous.sha;
        rollbackOfId = previous.id;
      } else if (SHA.test(to)) {
        sha = await resolveRevision(deps.mirrors, application.repoUrl, to);
      } else {
        throw new TetherError(
          'invalid_request',
          'body.to: must be a deployment id (dep_...) or a commit SHA',
          {
            field: 'body.to',
          },
        );
      }
      const [deployment] = await createAndEnqueue(
        deps,
        [
          {
            applicationId: application.id,
            revision: sha,
            sha,
            trigger: 'rollback',
            rollbackOfId,
            supersede: true,
          },
        ],
        { actor: actorOf(req), requestId: req.id },
      );
      if (!deployment) throw new Error('rollback created no deployment');
      return reply.code(202).send(deploymentView(deployment));
    },
  );
};
