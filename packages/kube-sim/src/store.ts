// One virtual cluster's objects, its resourceVersion counter and its recent change history.
// Every committed change becomes an event: watchers see it first, then controllers (which may
// write again; their events queue behind, so everyone sees changes in resourceVersion order).
import type { KubeObject } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  storageKey: string;
  /** The object after the change; for DELETED its last state, carrying the deletion's rv. */
  object: KubeObject;
  /** The object before the change (undefined for ADDED). */
  prev: KubeObject | undefined;
  rv: number;
  /** For DELETED: whether dependents (ownerReferences) should be garbage collected. */
  cascade?: boolean;
}

export type Listener = (ev: StoreEvent) => void;

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  private rv: number;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  /** Watches may start from any rv >= this one. */
  private compactedRv: number;
  private readonly historySize: number;
  private readonly watchers = new Set<Listener>();
  private readonly controllers: Listener[] = [];
  private readonly queue: StoreEvent[] = [];
  private draining = false;

  private readonly onError: (err: unknown) => void;

  constructor(opts: { initialRv?: number; historySize?: number; onError?: (err: unknown) => void } = {}) {
    this.onError = opts.onError ?? (() => {});
    this.rv = opts.initialRv ?? 1;
    this.compactedRv = this.rv;
    this.historySize = opts.historySize ?? 10_000;
  }

  currentRv(): number {
    return this.rv;
  }

  oldestWatchableRv(): number {
    return this.compactedRv;
  }

  nextRv(): number {
    this.rv += 1;
    return this.rv;
  }

  get(storageKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(storageKey)?.get(objKey(namespace, name));
  }

  /** Objects of one type, optionally in one namespace, ordered by namespace then name. */
  list(storageKey: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(storageKey);
    if (!bucket) return [];
    const keys = [...bucket.keys()].sort();
    const out: KubeObject[] = [];
    for (const k of keys) {
      const obj = bucket.get(k);
      if (!obj) continue;
      if (namespace !== undefined && (obj.metadata.namespace ?? '') !== namespace) continue;
      out.push(obj);
    }
    return out;
  }

  storageKeys(): string[] {
    return [...this.buckets.keys()];
  }

  count(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  /** Stores `object` (whose metadata.resourceVersion must already be `rv`) and emits an event. */
  put(storageKey: string, object: KubeObject, prev: KubeObject | undefined, rv: number): void {
    let bucket = this.buckets.get(storageKey);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(storageKey, bucket);
    }
    bucket.set(objKey(object.metadata.namespace, object.metadata.name ?? ''), object);
    this.record({ type: prev ? 'MODIFIED' : 'ADDED', storageKey, object, prev, rv });
  }

  /** Removes an object; `finalState` is its last state stamped with the deletion rv. */
  remove(storageKey: string, finalState: KubeObject, prev: KubeObject, rv: number, cascade: boolean): void {
    this.buckets
      .get(storageKey)
      ?.delete(objKey(finalState.metadata.namespace, finalState.metadata.name ?? ''));
    this.record({ type: 'DELETED', storageKey, object: finalState, prev, rv, cascade });
  }

  /** Puts an object without an event (snapshot restore). */
  restore(storageKey: string, object: KubeObject): void {
    let bucket = this.buckets.get(storageKey);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(storageKey, bucket);
    }
    bucket.set(objKey(object.metadata.namespace, object.metadata.name ?? ''), object);
  }

  /** Sets the rv counter after a restore; history before it is unavailable to watches. */
  resetRv(rv: number): void {
    this.rv = rv;
    this.compactedRv = rv;
    this.history.length = 0;
  }

  /** Events with rv > since, or undefined when `since` is older than the retained history. */
  eventsSince(since: number): StoreEvent[] | undefined {
    if (since < this.compactedRv) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ev = this.history[mid];
      if (ev && ev.rv <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  watch(listener: Listener): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  addController(listener: Listener): void {
    this.controllers.push(listener);
  }

  private record(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      const last = dropped[dropped.length - 1];
      if (last) this.compactedRv = last.rv;
    }
    this.queue.push(ev);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let ev2 = this.queue.shift(); ev2; ev2 = this.queue.shift()) {
        for (const listener of [...this.watchers, ...this.controllers]) {
          try {
            listener(ev2);
          } catch (err) {
            this.onError(err);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
