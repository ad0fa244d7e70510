import { Type } from 'typebox';
import type { RouteModule } from './types.ts';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
  error: Type.Optional(Type.String()),
});
const Ready = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Check) });

async function run(check: () => Promise<void>): Promise<{ status: 'ok' | 'fail'; error?: string }> {
  try {
    await check();
    return { status: 'ok' };
  } catch (err) {
    return { status: 'fail', error: err instanceof Error ? err.message : String(err) };
  }
}

export const healthRoutes: RouteModule = (app, deps) => {
  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: Ready, 503: Ready } } },
    async (_req, reply) => {
      const entries = await Promise.all(
        Object.entries(deps.checks).map(async ([name, check]) => [name, await run(check)] as const),
      );
      const checks = Object.fromEntries(entries);
      const ok = entries.every(([, r]) => r.status === 'ok');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );
};
