import { getApplicationByName } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { diffApplication } from '../../services/diff.ts';
import { resolveRevision } from '../../services/repo.ts';
import type { RouteModule } from '../types.ts';

const DiffBody = Type.Object(
  {
    revision: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'default: the target revision' }),
    ),
    cluster: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: 'only this destination cluster' }),
    ),
  },
  { additionalProperties: false },
);

const ObjectChange = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  name: Type.String(),
  action: Type.String({ description: 'create | change | unchanged | prune' }),
  changes: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String(),
        from: Type.Optional(Type.Unknown()),
        to: Type.Optional(Type.Unknown()),
      }),
    ),
  ),
  conflicts: Type.Optional(Type.Array(Type.Unknown())),
  reason: Type.Optional(Type.String()),
});

const DiffAnswer = Type.Object({
  application: Type.String(),
  revision: Type.Object({ ref: Type.String(), sha: Type.String() }),
  clusters: Type.Array(
    Type.Object({
      cluster: Type.String(),
      mode: Type.String(),
      namespace: Type.String(),
      objects: Type.Optional(Type.Array(ObjectChange)),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
});

export const diffApplicationRoute: RouteModule = (app, deps) => {
  app.post(
    '/applications/:name/diff',
    {
      schema: {
        tags: ['applications'],
        summary: 'What deploying a revision would create, change (which fields), prune or leave unchanged',
        params: NameParams,
        body: Type.Optional(DiffBody),
        response: { 200: DiffAnswer, ...errorResponses, 422: errorResponses[400] },
      },
    },
    async (req) => {
      const application = await getApplicationByName(deps.db, req.params.name);
      const ref = req.body?.revision ?? application.targetRevision;
      const sha = await resolveRevision(deps.mirrors, application.repoUrl, ref);
      const clusters = await diffApplication(
        { db: deps.db, mirrors: deps.mirrors, logger: deps.logger, pull: deps.pull },
        application,
        sha,
        req.body?.cluster,
      );
      return { application: application.name, revision: { ref, sha }, clusters };
    },
  );
};
