// GitHub webhook deliveries, keyed by X-GitHub-Delivery. The stored response lets a redelivery
// get the first answer. Record the delivery first in the transaction that acts on it: a
// concurrent duplicate then waits on the unique index and fails with AlreadyExistsError, rolling
// back its deployments, and the caller answers with getDelivery(...).response.
import { newId } from '@tether/core';
import type { DeliveryStatus, WebhookDelivery } from '../../generated/prisma/client.ts';
import { type AuditContext, appendAudit } from '../audit.ts';
import { type DbTx, withTx } from '../client.ts';
import { AlreadyExistsError, isUniqueViolation } from '../errors.ts';
import { toJson } from '../json.ts';

export interface RecordDeliveryInput {
  deliveryId: string;
  event: string;
  status: DeliveryStatus;
  reason?: string | null;
  /** Repository full name or URL from the payload, for listing. */
  repository?: string | null;
  /** What was answered (status code and body), replayed on redelivery. */
  response: unknown;
}

export function recordDelivery(
  db: DbTx,
  input: RecordDeliveryInput,
  ctx: AuditContext,
  audit: { applicationIds?: string[]; deploymentIds?: string[] } = {},
): Promise<WebhookDelivery> {
  return withTx(db, async (tx) => {
    let delivery: WebhookDelivery;
    try {
      delivery = await tx.webhookDelivery.create({
        data: {
          id: newId('delivery'),
          deliveryId: input.deliveryId,
          event: input.event,
          status: input.status,
          reason: input.reason ?? null,
          repository: input.repository ?? null,
          response: toJson(input.response ?? null),
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError('delivery', input.deliveryId, { cause: err });
      throw err;
    }
    await appendAudit(tx, {
      ...ctx,
      deliveryId: input.deliveryId,
      type: 'delivery.received',
      data: {
        event: input.event,
        status: input.status,
        reason: input.reason ?? null,
        repository: input.repository ?? null,
        ...audit,
      },
    });
    return delivery;
  });
}

/** Updates the stored answer once the handler knows it (same transaction as recordDelivery). */
export async function setDeliveryResponse(db: DbTx, deliveryId: string, response: unknown): Promise<void> {
  await db.webhookDelivery.update({ where: { deliveryId }, data: { response: toJson(response ?? null) } });
}

export function getDelivery(db: DbTx, deliveryId: string): Promise<WebhookDelivery | null> {
  return db.webhookDelivery.findUnique({ where: { deliveryId } });
}
