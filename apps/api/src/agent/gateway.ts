// The pull path inside one API process: a claimer over the per-cluster lanes, the signing key,
// bundle storage and the lease sweeper. Its Redis use is fixed whatever the number of agents or
// clusters: it shares the API's command connection and adds one watch connection (a single XREAD
// over every lane with a waiting claim). Built by main.ts (or a test) and passed to buildApp.
import { hostname } from 'node:os';
import type { Logger } from '@tether/core';
import type { Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import { createClaimer, DEFAULT_PREFIX, type JobCatalog, jobCatalog, type Producer } from '@tether/queue';
import type { PullContext, PullSettings } from './context.ts';
import { type AgentDiffInput, type DiffAnswer, diffOnAgent } from './diffs.ts';
import { createLaneJobs, type RedisConnection } from './lane-jobs.ts';
import type { Signer } from './signing.ts';
import { createPullSweeper, type SweeperOptions, type SweepReport } from './sweeper.ts';

export interface AgentGatewayOptions {
  db: Db;
  /** The API's role-'producer' connection, shared (claims then fail fast when Redis is down). */
  redis: RedisConnection;
  producer: Producer;
  mirrors: GitMirrorCache;
  signer: Signer;
  logger: Logger;
  prefix?: string;
  /** Must match the producers' (attempts bound re-deliveries). */
  catalog?: JobCatalog;
  processId?: string;
  /** Default 30 s. */
  leaseTtlMs?: number;
  /** Default 1 h. */
  bootstrapTokenTtlMs?: number;
  /** How often a lane checks for jobs whose lock expired (BullMQ stalled check); default TTL/2, ≤ 15 s. */
  stalledIntervalMs?: number;
  /** The lease sweeper's settings, or false for none (tests call sweep()). */
  sweeper?: SweeperOptions | false;
  publicUrl?: string | undefined;
  agentImage?: string;
  agentNamespace?: string;
  /** How long a diff of a pull cluster waits for its agent (default 20 s). */
  diffTimeoutMs?: number;
}

export interface AgentGateway extends PullContext {
  /** Aborted at shutdown: waiting claims answer 204 at once. */
  readonly shutdown: AbortSignal;
  stopWaiting(): void;
  /** A diff of a pull cluster, computed by one of its agents (agent_unavailable when none answers). */
  diff(input: AgentDiffInput, signal?: AbortSignal): Promise<DiffAnswer>;
  sweep(): Promise<SweepReport>;
  close(): Promise<void>;
}

export const DEFAULT_BOOTSTRAP_TTL_MS = 3_600_000;

export function createAgentGateway(opts: AgentGatewayOptions): AgentGateway {
  const leaseTtlMs = opts.leaseTtlMs ?? 30_000;
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const catalog = opts.catalog ?? jobCatalog;
  const logger = opts.logger.child({ component: 'agent-gateway' });
  const settings: PullSettings = {
    leaseTtlMs,
    bootstrapTokenTtlMs: opts.bootstrapTokenTtlMs ?? DEFAULT_BOOTSTRAP_TTL_MS,
    maxAttempts: catalog['target.sync'].attempts,
    publicUrl: opts.publicUrl,
    agentImage: opts.agentImage ?? 'ghcr.io/tether/agent:0.1.0',
    agentNamespace: opts.agentNamespace ?? 'tether-system',
    processId: opts.processId ?? `${hostname()}:${process.pid}`,
    prefix,
    diffTimeoutMs: opts.diffTimeoutMs ?? 20_000,
  };
  const claimer = createClaimer({
    redis: opts.redis,
    logger,
    prefix,
    catalog,
    lockDurationMs: leaseTtlMs,
    stalledIntervalMs: opts.stalledIntervalMs ?? Math.min(15_000, Math.max(100, Math.round(leaseTtlMs / 2))),
  });
  const laneJobs = createLaneJobs({ redis: opts.redis, prefix });
  const ctx: PullContext = {
    db: opts.db,
    redis: opts.redis,
    producer: opts.producer,
    mirrors: opts.mirrors,
    signer: opts.signer,
    claimer,
    laneJobs,
    logger,
    settings,
  };
  const sweeper = createPullSweeper(ctx, opts.sweeper === false ? {} : opts.sweeper);
  if (opts.sweeper !== false) sweeper.start();
  const stop = new AbortController();
  let closing: Promise<void> | undefined;

  return {
    ...ctx,
    shutdown: stop.signal,
    stopWaiting: () => stop.abort(),
    diff: (input, signal) =>
      diffOnAgent(ctx, input, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal),
    sweep: () => sweeper.sweepOnce(),
    close() {
      closing ??= (async () => {
        stop.abort();
        await sweeper.close();
        await claimer.close();
        await laneJobs.close();
      })();
      return closing;
    },
  };
}
