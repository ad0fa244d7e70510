import { TetherError } from '@tether/core';
import { appendAudit } from '@tether/db';
import { Type } from 'typebox';
import { envelope } from '../../http/errors.ts';
import { ErrorEnvelope } from '../../schemas/common.ts';
import { handleDelivery } from '../../services/webhook-intake.ts';
import type { RouteModule, TypedApp } from '../types.ts';

/** GitHub sends at most 25 MB. */
const MAX_PAYLOAD = 25 * 1024 * 1024;

const Answer = Type.Object({
  deliveryId: Type.String(),
  deployments: Type.Array(Type.Object({ id: Type.String(), application: Type.String() })),
  ignored: Type.Optional(Type.String()),
});

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Decodes the exact bytes GitHub signed: JSON, or the form encoding with a `payload` field. */
function decode(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(raw).get('payload');
      if (payload === null) throw new Error('form body has no payload field');
      return JSON.parse(payload);
    }
    return JSON.parse(raw);
  } catch (err) {
    throw new TetherError(
      'invalid_request',
      `body: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      {
        field: 'body',
      },
    );
  }
}

export const githubWebhookRoute: RouteModule = (app, deps) => {
  // Own scope: the body stays raw bytes here, because the signature covers exactly those.
  app.register(async (scope: TypedApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: MAX_PAYLOAD },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/webhooks/github',
      {
        bodyLimit: MAX_PAYLOAD,
        schema: {
          tags: ['webhooks'],
          summary: 'GitHub webhook receiver (push, ping); verified with X-Hub-Signature-256',
          security: [],
          response: { 200: Answer, 202: Answer, 400: ErrorEnvelope, 401: ErrorEnvelope, 503: ErrorEnvelope },
        },
      },
      async (req, reply) => {
        const event = header(req.headers['x-github-event']);
        const id = header(req.headers['x-github-delivery']);
        if (!event || !id) {
          throw new TetherError(
            'invalid_request',
            'X-GitHub-Event and X-GitHub-Delivery headers are required',
            {
              field: event ? 'headers.x-github-delivery' : 'headers.x-github-event',
            },
          );
        }
        if (id.length > 128)
          throw new TetherError('invalid_request', 'X-GitHub-Delivery is too long', {
            field: 'headers.x-github-delivery',
          });
        const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const payload = decode(raw, req.headers['content-type']);
        const signature = header(req.headers['x-hub-signature-256']);
        const answer = await handleDelivery(deps, { id, event, raw, payload, signature, requestId: req.id });
        if (answer === 'unauthorized') {
          await appendAudit(deps.db, {
            type: 'delivery.rejected',
            actor: { type: 'webhook', name: 'unknown' },
            requestId: req.id,
            deliveryId: id,
            data: { event, reason: signature ? 'signature_mismatch' : 'signature_missing' },
          });
          return reply
            .code(401)
            .send(
              envelope(
                req,
                'unauthorized',
                signature ? 'X-Hub-Signature-256 does not match' : 'X-Hub-Signature-256 is missing',
              ),
            );
        }
        return reply.code(answer.status === 200 ? 200 : 202).send(answer.body);
      },
    );
  });
};
