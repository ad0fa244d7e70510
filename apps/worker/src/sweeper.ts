// Nothing accepted is ever lost: Redis here keeps no jobs across a restart, an enqueue can fail
// after its transaction committed, and a worker can die mid-apply. Postgres is the record, so on
// start and then every ~intervalMs (jittered) one worker at a time (Redis lock) looks for push
// targets that have been queued or running for longer than graceMs with no live job in the lane,
// puts them back in line (audited as target.requeued) and enqueues their job again.
import type { Logger } from '@tether/core';
import {
  type AuditContext,
  type Db,
  findStaleTargets,
  InvalidTransitionError,
  requeueTarget,
  StaleLeaseError,
  type StaleTarget,
} from '@tether/db';
import { type Producer, PUSH_LANE } from '@tether/queue';
import { createLaneJobs, type LaneJobState, type RedisConnection } from './lane-jobs.ts';
import { tryLock } from './redis-lock.ts';

export interface SweeperOptions {
  /** Mean time between sweeps (default 30 s); each wait is jittered by ±25%. */
  intervalMs?: number;
  /** A target must have been unchanged this long before it counts as lost (default 60 s). */
  graceMs?: number;
  /** Targets examined per sweep (default 500). */
  batchSize?: number;
}

export interface SweeperDeps extends SweeperOptions {
  db: Db;
  /** A role 'producer' connection (fail-fast commands); the caller owns it. */
  redis: RedisConnection;
  producer: Producer;
  prefix: string;
  logger: Logger;
  workerId: string;
}

export interface SweepReport {
  /** False when another worker held the sweep lock. */
  ran: boolean;
  examined: number;
  requeued: string[];
}

export interface Sweeper {
  /** Sweeps now, then periodically until close(). */
  start(): void;
  sweepOnce(): Promise<SweepReport>;
  close(): Promise<void>;
}

/** The Redis key whose holder sweeps; the others skip their turn. */
export function sweepLockKey(prefix: string): string {
  return `${prefix}:${PUSH_LANE}:sweeper-lock`;
}

/** States in which the job will still run (or is running): nothing to recover. */
const LIVE: ReadonlySet<LaneJobState> = new Set([
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'active',
]);

export function createSweeper(deps: SweeperDeps): Sweeper {
  const intervalMs = deps.intervalMs ?? 30_000;
  const graceMs = deps.graceMs ?? 60_000;
  const log = deps.logger.child({ component: 'sweeper' });
  const audit: AuditContext = { actor: { type: 'worker', name: deps.workerId } };
  const jobs = createLaneJobs({ redis: deps.redis, prefix: deps.prefix, lane: PUSH_LANE });
  const lockKey = sweepLockKey(deps.prefix);
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let closed = false;

  async function recover(target: StaleTarget, jobState: LaneJobState): Promise<boolean> {
    try {
      await requeueTarget(deps.db, target.id, audit, {
        from: target.status,
        epoch: target.leaseEpoch,
        reason: target.status === 'running' ? 'worker_lost' : 'job_lost',
        data: { jobState },
      });
    } catch (err) {
      if (err instanceof InvalidTransitionError || err instanceof StaleLeaseError) return false; // Moved on.
      throw err;
    }
    // The same jobId must be free: a finished job with it would swallow the new one.
    if (jobState !== 'missing' && !(await jobs.remove(target.id))) {
      log.warn({ targetId: target.id, jobState }, 'could not remove the old job; next sweep retries');
      return false;
    }
    const { id: targetId, deploymentId, applicationId, clusterId, sha } = target;
    await deps.producer.enqueue(
      'target.sync',
      { v: 1, targetId, deploymentId, applicationId, clusterId, sha },
      { lane: PUSH_LANE },
    );
    log.warn({ targetId, status: target.status, jobState }, 'lost target re-enqueued');
    return true;
  }

  async function sweepOnce(): Promise<SweepReport> {
    const lock = await tryLock(deps.redis, lockKey, deps.workerId, Math.max(2 * intervalMs, 30_000));
    if (!lock) return { ran: false, examined: 0, requeued: [] };
    try {
      const stale = await findStaleTargets(deps.db, {
        mode: 'push',
        olderThan: new Date(Date.now() - graceMs),
        limit: deps.batchSize ?? 500,
      });
      const requeued: string[] = [];
      for (const target of stale) {
        if (closed) break;
        try {
          const state = await jobs.state(target.id);
          if (!LIVE.has(state) && (await recover(target, state))) requeued.push(target.id);
        } catch (err) {
          log.error({ err, targetId: target.id }, 'could not recover target; next sweep retries');
        }
      }
      if (requeued.length > 0) log.info({ examined: stale.length, requeued: requeued.length }, 'sweep done');
      return { ran: true, examined: stale.length, requeued };
    } finally {
      await lock.release().catch((err: unknown) => log.warn({ err }, 'releasing the sweep lock failed'));
    }
  }

  function schedule(delayMs: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      const run = sweepOnce()
        .catch((err: unknown) => log.error({ err }, 'sweep failed'))
        .finally(() => {
          current = undefined;
          schedule(intervalMs * (0.75 + Math.random() * 0.5));
        });
      current = run;
    }, delayMs);
    timer.unref();
  }

  return {
    start: () => schedule(0),
    sweepOnce,
    async close() {
      closed = true;
      clearTimeout(timer);
      await current;
      await jobs.close();
    },
  };
}
