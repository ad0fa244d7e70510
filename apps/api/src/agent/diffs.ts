// Diffs of pull clusters, computed by their agents: a server-side apply dry run needs the cluster,
// and only the agent reaches it. The request and the answer meet in Redis, so any API replica can
// take the REST request and any replica the agent's answer. No connection of its own: the shared
// command connection, and wake-ups through the cluster's lane events, which the process's one
// watch connection already reads (claimer.wake / onJobAdded).
//
//   <prefix>:agent-diff:listening:<clusterId>  a diff-capable agent of the cluster is claiming (PX)
//   <prefix>:agent-diff:queue:<clusterId>      request ids; RPOP hands each to exactly one agent
//   <prefix>:agent-diff:request:<requestId>    the request, until its deadline
//   <prefix>:agent-diff:answer:<requestId>     the agent's answer, until the asker reads it
import { type AgentDiffRequest, newId } from '@tether/core';
import { laneFor } from '@tether/queue';
import { type BundleSource, ensureBundle, grantBundle } from './bundles.ts';
import type { PullContext } from './context.ts';
import { agentInventory } from './inventory.ts';
import { createWaiter } from './waiter.ts';

/** One object of a diff, as push clusters answer it too (apps/api services/diff.ts). */
export interface DiffObject {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  action: string;
  changes?: Array<{ path: string; from?: unknown; to?: unknown }> | undefined;
  conflicts?: unknown[] | undefined;
  reason?: string | undefined;
}

export type DiffAnswer = { objects: DiffObject[] } | { error: { code: string; message: string } };

/** What an agent gets in its claim answer. */
export type DiffItem = AgentDiffRequest;

interface StoredRequest extends DiffItem {
  clusterId: string;
}

type Ctx = Pick<PullContext, 'redis' | 'claimer' | 'settings'>;

/** How long an answer waits for its asker, who is normally already waiting. */
const ANSWER_TTL_MS = 60_000;
/** A wake-up lost with a watch reconnect costs at most this. */
const RECHECK_MS = 2_000;

const key = (ctx: Ctx, ...parts: string[]) => [ctx.settings.prefix, 'agent-diff', ...parts].join(':');

/** Called by a claim of an agent that answers diffs: the cluster has a listener for ttlMs. */
export async function listenForDiffs(ctx: Ctx, clusterId: string, ttlMs: number): Promise<void> {
  await ctx.redis.set(key(ctx, 'listening', clusterId), '1', 'PX', Math.max(1, Math.round(ttlMs)));
}

/** The cluster's oldest diff request still wanted, handed to this caller alone. */
export async function takeDiff(ctx: Ctx, clusterId: string): Promise<DiffItem | undefined> {
  for (let i = 0; i < 20; i++) {
    const id = await ctx.redis.rpop(key(ctx, 'queue', clusterId));
    if (!id) return undefined;
    const raw = await ctx.redis.get(key(ctx, 'request', id));
    if (!raw) continue; // Withdrawn: its asker gave up.
    const { clusterId: _cluster, ...item } = JSON.parse(raw) as StoredRequest;
    return item;
  }
  return undefined;
}

/** Stores an agent's answer for the asker; false when no such request of this cluster is waiting. */
export async function answerDiff(
  ctx: Ctx,
  clusterId: string,
  requestId: string,
  answer: DiffAnswer,
): Promise<boolean> {
  const raw = await ctx.redis.get(key(ctx, 'request', requestId));
  if (!raw || (JSON.parse(raw) as StoredRequest).clusterId !== clusterId) return false;
  await ctx.redis.set(key(ctx, 'answer', requestId), JSON.stringify(answer), 'PX', ANSWER_TTL_MS);
  await ctx.claimer.wake(laneFor({ mode: 'pull', clusterId }));
  return true;
}

export interface AgentDiffInput extends BundleSource {
  clusterId: string;
  namespace: string;
}

/**
 * What deploying `sha` would change on a pull cluster, answered by one of its agents within the
 * gateway's diff timeout; `agent_unavailable` when none listens or none answers in time.
 */
export async function diffOnAgent(
  ctx: PullContext,
  input: AgentDiffInput,
  signal?: AbortSignal,
): Promise<DiffAnswer> {
  const { clusterId } = input;
  if ((await ctx.redis.exists(key(ctx, 'listening', clusterId))) !== 1) {
    return unavailable('no agent of this cluster that answers diffs is connected');
  }
  const timeoutMs = ctx.settings.diffTimeoutMs;
  const bundle = await ensureBundle(ctx, input);
  await grantBundle(ctx, clusterId, bundle.digest, timeoutMs + ANSWER_TTL_MS);
  const inventory = await agentInventory(ctx.db, input.application.id, clusterId);
  const requestId = newId('request');
  const deadline = Date.now() + timeoutMs;
  const stored: StoredRequest = {
    requestId,
    clusterId,
    application: input.application.name,
    namespace: input.namespace,
    sha: input.sha,
    bundle,
    inventory,
    expiresAt: new Date(deadline).toISOString(),
  };
  const lane = laneFor({ mode: 'pull', clusterId });
  const waiter = createWaiter();
  // Subscribed before the request exists: the answer's wake-up cannot come too early.
  const unsubscribe = await ctx.claimer.onJobAdded(lane, waiter.wake);
  const requestKey = key(ctx, 'request', requestId);
  const answerKey = key(ctx, 'answer', requestId);
  const queueKey = key(ctx, 'queue', clusterId);
  const stop = signal ?? new AbortController().signal;
  try {
    await ctx.redis.set(requestKey, JSON.stringify(stored), 'PX', timeoutMs);
    await ctx.redis.lpush(queueKey, requestId);
    await ctx.redis.pexpire(queueKey, timeoutMs + ANSWER_TTL_MS);
    await ctx.claimer.wake(lane);
    for (;;) {
      waiter.reset();
      const raw = await ctx.redis.get(answerKey);
      if (raw) return JSON.parse(raw) as DiffAnswer;
      const left = deadline - Date.now();
      if (left <= 0 || stop.aborted) break;
      await waiter.wait(Math.min(left, RECHECK_MS), stop);
    }
    return unavailable(`no agent of this cluster answered within ${Math.round(timeoutMs / 1000)} s`);
  } finally {
    unsubscribe();
    // Withdrawn either way: no agent starts it late, a late answer finds nothing (404).
    await ctx.redis.lrem(queueKey, 0, requestId).catch(() => 0);
    await ctx.redis.del(requestKey, answerKey).catch(() => 0);
  }
}

function unavailable(message: string): DiffAnswer {
  return { error: { code: 'agent_unavailable', message } };
}
