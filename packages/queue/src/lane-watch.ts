// Wakes long-polling claimers when a job becomes claimable on a lane, for any number of lanes
// over ONE extra connection: a single XREAD BLOCK over the lanes' BullMQ event streams.
// (A BullMQ QueueEvents per lane would hold one blocking connection per lane.)
import type { Logger } from '@tether/core';
import type { Redis } from 'ioredis';
import { assertLane } from './lanes.ts';

export type JobAddedCallback = (lane: string) => void;

/**
 * An entry of this event in a lane's event stream wakes the lane's watchers without adding a job:
 * something else for the lane's claimers (an agent's diff request) or an answer for a waiter.
 */
export const WAKE_EVENT = 'tether:wake';

/** Appends a WAKE_EVENT to the lane's event stream (capped like BullMQ's own events). */
export async function wakeLane(redis: Redis, prefix: string, lane: string): Promise<void> {
  assertLane(lane);
  await redis.xadd(`${prefix}:${lane}:events`, 'MAXLEN', '~', 10_000, '*', 'event', WAKE_EVENT);
}

export interface LaneWatcherOptions {
  /** Shared command connection (reads stream positions, interrupts the blocking read). */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Longest single XREAD block; new subscriptions interrupt it anyway. */
  blockMs?: number;
}

export interface LaneWatcher {
  /** Resolves once armed: anything added to the lane afterwards calls back. Returns unsubscribe. */
  onJobAdded(lane: string, callback: JobAddedCallback): Promise<() => void>;
  close(): Promise<void>;
}

interface Watched {
  lane: string;
  lastId: string;
  callbacks: Set<JobAddedCallback>;
  /** Earliest pending wake-up for a delayed job (a retry with backoff, or delayMs). */
  delayed?: { at: number; timer: NodeJS.Timeout };
}

type XReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

export function createLaneWatcher(opts: LaneWatcherOptions): LaneWatcher {
  const { redis, prefix } = opts;
  const blockMs = opts.blockMs ?? 5_000;
  const log = opts.logger.child({ component: 'lane-watcher' });
  const byKey = new Map<string, Watched>();
  const pending = new Map<string, Promise<Watched>>();
  let reader: Redis | undefined;
  let readerId: number | undefined;
  let loop: Promise<void> | undefined;
  let wakeIdle: (() => void) | undefined;
  let closed = false;

  const keyOf = (lane: string) => `${prefix}:${lane}:events`;

  function startReader(): Redis {
    const r = redis.duplicate({
      connectionName: `${redis.options.connectionName ?? 'tether'}:watch`,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    r.on('error', (err: Error) => log.warn({ err }, 'watch connection error'));
    // A reconnect gets a new client id; fetch it again before the next blocking read.
    r.on('ready', () => {
      readerId = undefined;
    });
    return r;
  }

  function notify(w: Watched): void {
    for (const cb of [...w.callbacks]) {
      try {
        cb(w.lane);
      } catch (err) {
        log.error({ err, lane: w.lane }, 'onJobAdded callback threw');
      }
    }
  }

  function wakeAt(w: Watched, at: number): void {
    if (w.delayed && w.delayed.at <= at) return;
    if (w.delayed) clearTimeout(w.delayed.timer);
    const timer = setTimeout(
      () => {
        w.delayed = undefined;
        notify(w);
      },
      Math.max(0, at - Date.now()),
    );
    w.delayed = { at, timer };
  }

  function handle(reply: XReadReply): void {
    for (const [key, entries] of reply ?? []) {
      const w = byKey.get(key);
      if (!w) continue;
      let woke = false;
      for (const [id, fields] of entries) {
        w.lastId = id;
        const event = field(fields, 'event');
        if (event === 'waiting' || event === WAKE_EVENT) woke = true;
        else if (event === 'delayed') wakeAt(w, Number(field(fields, 'delay')) || Date.now());
      }
      if (woke) notify(w);
    }
  }

  async function run(r: Redis): Promise<void> {
    while (!closed) {
      if (byKey.size === 0) {
        await new Promise<void>((resolve) => {
          wakeIdle = resolve;
        });
        continue;
      }
      try {
        readerId ??= Number(await r.client('ID'));
        const watched = [...byKey.values()];
        const args = [
          'BLOCK',
          blockMs,
          'STREAMS',
          ...watched.map((w) => keyOf(w.lane)),
          ...watched.map((w) => w.lastId),
        ];
        handle((await r.call('XREAD', ...args)) as XReadReply);
      } catch (err) {
        if (closed) return;
        log.warn({ err }, 'watching lanes failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Interrupt the blocking read so it picks up a new lane now, not after blockMs. */
  async function interrupt(): Promise<void> {
    wakeIdle?.();
    wakeIdle = undefined;
    if (readerId === undefined) return;
    await redis.client('UNBLOCK', readerId).catch((err: unknown) => {
      log.debug({ err }, 'CLIENT UNBLOCK failed; the new lane is read after the current block');
    });
  }

  async function watch(lane: string): Promise<Watched> {
    const key = keyOf(lane);
    // Read from the stream's current end: nothing added after we return can be missed.
    const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0];
    const w: Watched = { lane, lastId: last?.[0] ?? '0-0', callbacks: new Set() };
    byKey.set(key, w);
    reader ??= startReader();
    loop ??= run(reader);
    await interrupt();
    return w;
  }

  return {
    async onJobAdded(lane, callback) {
      assertLane(lane);
      if (closed) throw new Error('lane watcher is closed');
      const key = keyOf(lane);
      let w = byKey.get(key);
      if (!w) {
        let p = pending.get(key);
        if (!p) {
          p = watch(lane).finally(() => pending.delete(key));
          pending.set(key, p);
        }
        w = await p;
        // Unsubscribed by someone else meanwhile: re-watch from where it left off.
        if (byKey.get(key) !== w) byKey.set(key, w);
      }
      const watched = w;
      watched.callbacks.add(callback);
      return () => {
        watched.callbacks.delete(callback);
        if (watched.callbacks.size > 0 || byKey.get(key) !== watched) return;
        byKey.delete(key);
        if (watched.delayed) clearTimeout(watched.delayed.timer);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const w of byKey.values()) if (w.delayed) clearTimeout(w.delayed.timer);
      byKey.clear();
      wakeIdle?.();
      reader?.disconnect();
      await loop;
    },
  };
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
