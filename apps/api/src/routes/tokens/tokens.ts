// API tokens: created by a holder of a token, shown once, stored hashed, revocable. The actor of
// every change made with a token is recorded by the token's name in the audit ledger.
import { createApiToken, listApiTokens, revokeApiToken } from '@tether/db';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, ListOf, ListQuery, ResourceName } from '../../schemas/common.ts';
import type { RouteModule } from '../types.ts';

const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the token, to recognise it' }),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const Created = Type.Intersect([
  Token,
  Type.Object({ token: Type.String({ description: 'shown only once' }) }),
]);

const CreateBody = Type.Object(
  { name: ResourceName, expiresAt: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function view(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

export const tokenRoutes: RouteModule = (app, deps) => {
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (shown once)',
        body: CreateBody,
        response: { 201: Created, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { token, plaintext } = await createApiToken(
        deps.db,
        {
          name: req.body.name,
          scopes: [],
          expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : null,
        },
        { actor: actorOf(req), requestId: req.id },
      );
      return reply.code(201).send({ ...view(token), token: plaintext });
    },
  );
  app.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        querystring: Type.Object(ListQuery),
        response: { 200: ListOf(Token), ...errorResponses },
      },
    },
    async (req) => {
      const page = await listApiTokens(deps.db, { limit: req.query.limit, cursor: req.query.cursor ?? null });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );
  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token; it is refused from its next request on',
        params: Type.Object({ id: Type.String({ pattern: '^tok_[0-9a-z]{24}$' }) }),
        response: { 200: Token, ...errorResponses },
      },
    },
    async (req) =>
      view(await revokeApiToken(deps.db, req.params.id, { actor: actorOf(req), requestId: req.id })),
  );
};
