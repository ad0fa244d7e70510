import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { touchApiToken, verifyApiToken } from '@tether/db';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { requireAgent } from './agent/auth.ts';
import type { AppDeps } from './deps.ts';
import { requireToken, tokenVerifier } from './http/auth.ts';
import { installErrorHandlers } from './http/errors.ts';
import { genRequestId } from './http/request-id.ts';
import { agentPublicRoutes, agentRoutes, apiRoutes, publicRoutes } from './routes/index.ts';
import type { TypedApp } from './routes/types.ts';
import { ErrorEnvelope } from './schemas/common.ts';

export interface BuildOptions {
  /** Expose Swagger UI at /docs (the JSON at /docs/json is always served). */
  swaggerUi?: boolean;
}

/** Builds the Fastify app without listening, so tests drive it with inject() or a real port. */
export async function buildApp(deps: AppDeps, opts: BuildOptions = {}): Promise<TypedApp> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: genRequestId,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('actor', undefined);
  app.decorateRequest('agent', undefined);
  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  installErrorHandlers(app);
  app.addSchema(ErrorEnvelope);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tether API',
        version: '1',
        description: 'GitOps control plane: clusters, applications, deployments, audit.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          agent: {
            type: 'http',
            scheme: 'bearer',
            description: 'agent credential (from /agent/v1/register)',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  if (opts.swaggerUi === false) app.log.debug('swagger ui disabled');

  for (const route of publicRoutes) route(app, deps);

  const verify = tokenVerifier(deps.adminToken, async (token) => {
    const found = await verifyApiToken(deps.db, token);
    if (!found) return null;
    // Best effort: lastUsedAt is informational and must not fail the request.
    void touchApiToken(deps.db, found.id).catch((err: unknown) =>
      deps.logger.warn({ err }, 'could not record token use'),
    );
    return { type: 'token', name: found.name };
  });
  await app.register(
    async (api) => {
      api.addHook('preHandler', requireToken(verify));
      for (const route of apiRoutes) route(api as TypedApp, deps);
    },
    { prefix: '/api/v1' },
  );

  const pull = deps.pull;
  if (pull) {
    // Waiting claims answer 204 at once when the server closes, rather than holding it up.
    app.addHook('preClose', async () => pull.stopWaiting());
    await app.register(
      async (gateway) => {
        for (const route of agentPublicRoutes) route(gateway as TypedApp, pull);
        await gateway.register(async (authed) => {
          authed.addHook('preHandler', requireAgent(pull.db));
          for (const route of agentRoutes) route(authed as TypedApp, pull);
        });
      },
      { prefix: '/agent/v1' },
    );
  }
  return app;
}
