// The pull path's periodic sweep, run by every API process on a jittered timer, one at a time (a
// Redis lock; each step is idempotent and fenced in Postgres anyway):
//  1. running targets whose lease ran out go back to queued (target.lease_expired), or fail when
//     their attempts are used up. Their queue job returns to the lane by itself (the lock expired).
//  2. queued targets of pull clusters unchanged for a grace period whose job is not live in their
//     lane (lost with Redis, an enqueue that failed after commit, a mode switch raced) are put back
//     in line (target.requeued) and enqueued again.
import { randomUUID } from 'node:crypto';
import {
  type AuditContext,
  expireLease,
  findExpiredLeases,
  findStaleTargets,
  InvalidTransitionError,
  requeueTarget,
  StaleLeaseError,
} from '@tether/db';
import { laneFor } from '@tether/queue';
import type { PullContext } from './context.ts';
import { LIVE_STATES, placeJob } from './lane-jobs.ts';

export interface SweeperOptions {
  /** Mean time between sweeps (default: a third of the lease TTL); each wait jittered ±25%. */
  intervalMs?: number;
  /** How long a queued target may go unchanged before its job is looked for (default 60 s). */
  lostJobGraceMs?: number;
  batchSize?: number;
}

export interface SweepReport {
  /** False when another process held the sweep lock. */
  ran: boolean;
  expired: string[];
  requeued: string[];
}

export interface PullSweeper {
  start(): void;
  sweepOnce(): Promise<SweepReport>;
  close(): Promise<void>;
}

const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export function createPullSweeper(ctx: PullContext, opts: SweeperOptions = {}): PullSweeper {
  const { settings } = ctx;
  const intervalMs = opts.intervalMs ?? Math.max(1_000, Math.round(settings.leaseTtlMs / 3));
  const graceMs = opts.lostJobGraceMs ?? 60_000;
  const batchSize = opts.batchSize ?? 500;
  const log = ctx.logger.child({ component: 'pull-sweeper' });
  const audit: AuditContext = { actor: { type: 'system', name: `api:${settings.processId}` } };
  const lockKey = `${settings.prefix}:agent-gateway:sweep-lock`;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let closed = false;

  async function expireLeases(): Promise<string[]> {
    const expired: string[] = [];
    for (const lease of await findExpiredLeases(ctx.db, { limit: batchSize })) {
      if (closed) break;
      try {
        const t = await expireLease(ctx.db, lease.id, audit, {
          epoch: lease.leaseEpoch,
          maxAttempts: settings.maxAttempts,
          reason: 'expired',
        });
        if (t) {
          expired.push(lease.id);
          log.warn({ targetId: lease.id, agentId: lease.leaseOwner, status: t.status }, 'lease expired');
        }
      } catch (err) {
        log.error({ err, targetId: lease.id }, 'could not expire a lease; next sweep retries');
      }
    }
    return expired;
  }

  async function recoverLostJobs(): Promise<string[]> {
    const stale = await findStaleTargets(ctx.db, {
      mode: 'pull',
      olderThan: new Date(Date.now() - graceMs),
      limit: batchSize,
    });
    const requeued: string[] = [];
    for (const t of stale) {
      if (closed) break;
      if (t.status !== 'queued') continue; // Running ones hold a lease: step 1 is theirs.
      try {
        const lane = laneFor({ mode: 'pull', clusterId: t.clusterId });
        const state = await ctx.laneJobs.state(lane, t.id);
        if (LIVE_STATES.has(state)) continue;
        await requeueTarget(ctx.db, t.id, audit, {
          from: 'queued',
          epoch: t.leaseEpoch,
          reason: 'job_lost',
          data: { jobState: state },
        });
        const { id: targetId, deploymentId, applicationId, clusterId, sha } = t;
        if (await placeJob(ctx, { targetId, deploymentId, applicationId, clusterId, sha }, 'pull')) {
          requeued.push(t.id);
          log.warn({ targetId, jobState: state }, 'lost pull job enqueued again');
        }
      } catch (err) {
        if (err instanceof InvalidTransitionError || err instanceof StaleLeaseError) continue; // Moved on.
        log.error({ err, targetId: t.id }, 'could not recover a pull target; next sweep retries');
      }
    }
    return requeued;
  }

  async function sweepOnce(): Promise<SweepReport> {
    const token = `${settings.processId}:${randomUUID()}`;
    const ttl = Math.max(2 * intervalMs, 10_000);
    if ((await ctx.redis.set(lockKey, token, 'PX', ttl, 'NX')) !== 'OK') {
      return { ran: false, expired: [], requeued: [] };
    }
    try {
      const expired = await expireLeases();
      const requeued = await recoverLostJobs();
      return { ran: true, expired, requeued };
    } finally {
      await ctx.redis
        .eval(RELEASE, 1, lockKey, token)
        .catch((err: unknown) => log.warn({ err }, 'releasing the sweep lock failed'));
    }
  }

  function schedule(delayMs: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      current = sweepOnce()
        .catch((err: unknown) => log.error({ err }, 'sweep failed'))
        .finally(() => {
          current = undefined;
          schedule(intervalMs * (0.75 + Math.random() * 0.5));
        });
    }, delayMs);
    timer.unref();
  }

  return {
    start: () => schedule(intervalMs * Math.random()),
    sweepOnce,
    async close() {
      closed = true;
      clearTimeout(timer);
      await current;
    },
  };
}
