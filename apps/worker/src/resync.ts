// The periodic reconciliation: every TETHER_RESYNC_INTERVAL (± 20 % jitter, so workers started
// together drift apart) one worker, holding a Redis lock, enqueues an `app.reconcile` job for
// every push destination. BullMQ's deduplication keeps at most one pending per pair.
import type { Logger } from '@tether/core';
import { type Db, listPushDestinations } from '@tether/db';
import { type Producer, PUSH_LANE } from '@tether/queue';
import type { RedisConnection } from './lane-jobs.ts';
import { tryLock } from './redis-lock.ts';

export interface ResyncDeps {
  db: Db;
  redis: RedisConnection;
  producer: Producer;
  prefix: string;
  logger: Logger;
  workerId: string;
  intervalMs: number;
}

export interface Resync {
  /**
   * Enqueues one round now and returns how many jobs. Timer rounds skip when another worker
   * holds the round's lock; `force` (an operator or a test asking) does not.
   */
  runOnce(force?: boolean): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

export function createResync(deps: ResyncDeps): Resync {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let round: Promise<unknown> = Promise.resolve();
  const log = deps.logger.child({ component: 'resync' });

  async function runOnce(force = false): Promise<number> {
    if (!force) {
      // Held until it expires: the other workers skip this round rather than repeat it.
      const ttl = Math.max(deps.intervalMs / 2, 1_000);
      const lock = await tryLock(deps.redis, `${deps.prefix}:resync-lock`, deps.workerId, ttl);
      if (!lock) return 0;
    }
    const pairs = await listPushDestinations(deps.db);
    if (pairs.length > 0) {
      await deps.producer.enqueueMany(
        pairs.map((p) => ({
          name: 'app.reconcile' as const,
          lane: PUSH_LANE,
          payload: { v: 1 as const, ...p },
        })),
      );
    }
    log.debug({ jobs: pairs.length }, 'reconciliation round enqueued');
    return pairs.length;
  }

  function schedule(): void {
    if (closed) return;
    const jitter = 0.8 + Math.random() * 0.4;
    timer = setTimeout(() => {
      round = runOnce()
        .catch((err: unknown) => log.warn({ err }, 'reconciliation round failed'))
        .finally(schedule);
    }, deps.intervalMs * jitter);
    timer.unref();
  }

  return {
    runOnce,
    start: schedule,
    async close() {
      closed = true;
      clearTimeout(timer);
      await round;
    },
  };
}
