import { ERROR_CODES, type ErrorCode, isTetherError } from '@tether/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface Envelope {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

export function envelope(
  req: FastifyRequest,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Envelope {
  return { error: { code, message, requestId: req.id, ...(details ? { details } : {}) } };
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Names the failing field the way a caller wrote it: `body.destinations[0].cluster`. */
function fieldOf(context: string | undefined, e: AjvError): string {
  const base = (e.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  const missing = e.params?.missingProperty ?? e.params?.additionalProperty;
  const tail = typeof missing === 'string' ? `.${missing}` : '';
  return `${context ?? 'request'}${base}${tail}`;
}

function isUnavailable(err: unknown): boolean {
  // Connection-level failures from pg, Prisma's adapter or ioredis mean a dependency is down.
  const text = `${(err as { code?: unknown })?.code ?? ''} ${err instanceof Error ? err.message : ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection is closed|Can't reach database|connect ECONN|P1001|P1017|ENOTFOUND|Stream isn't writeable|enableOfflineQueue/i.test(
    text,
  );
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(envelope(req, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) {
      const first = err.validation[0] as AjvError | undefined;
      const field = first ? fieldOf(err.validationContext, first) : (err.validationContext ?? 'request');
      const problems = err.validation.map(
        (e) => `${fieldOf(err.validationContext, e as AjvError)}: ${e.message}`,
      );
      return reply.code(400).send(
        envelope(req, 'invalid_request', `${field}: ${first?.message ?? 'is invalid'}`, {
          field,
          problems,
        }),
      );
    }
    if (isTetherError(err)) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(err.status).send(envelope(req, err.code, err.message, err.details));
    }
    if (isUnavailable(err)) {
      req.log.error({ err }, 'dependency unavailable');
      return reply
        .code(503)
        .send(envelope(req, 'unavailable', 'a backing service is unavailable; retry later'));
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own client errors (bad JSON, wrong content type, body too large).
      const code: ErrorCode =
        status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status === 404
              ? 'not_found'
              : 'invalid_request';
      return reply.code(ERROR_CODES[code]).send(envelope(req, code, err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(envelope(req, 'internal', 'internal error'));
  });
}
