import { getApplicationByName, getClusterByName, listAuditEvents } from '@tether/db';
import { Type } from 'typebox';
import { errorResponses, ListOf, ListQuery } from '../../schemas/common.ts';
import { AuditEvent } from '../../schemas/resources.ts';
import { auditView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

const Query = Type.Object({
  application: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  deployment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  ...ListQuery,
});

export const listAuditRoute: RouteModule = (app, deps) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit ledger, newest first; every event carries its hash-chain link',
        querystring: Query,
        response: { 200: ListOf(AuditEvent), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const applicationId = q.application
        ? (await getApplicationByName(deps.db, q.application)).id
        : undefined;
      const clusterId = q.cluster ? (await getClusterByName(deps.db, q.cluster)).id : undefined;
      const page = await listAuditEvents(deps.db, {
        ...(applicationId ? { applicationId } : {}),
        ...(clusterId ? { clusterId } : {}),
        ...(q.deployment ? { deploymentId: q.deployment } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.since ? { since: new Date(q.since) } : {}),
        limit: q.limit,
        cursor: q.cursor ?? null,
      });
      return { items: page.items.map(auditView), nextCursor: page.nextCursor };
    },
  );
};
