// Watch streams: newline-delimited {type, object} events from a resourceVersion, with
// selectors, bookmarks, sendInitialEvents and timeoutSeconds, as the watch cache serves them.
import type { ServerResponse } from 'node:http';
import type { VirtualCluster } from '../cluster.ts';
import { asServed } from '../engine/context.ts';
import { badRequest, gone } from '../errors.ts';
import { groupVersion, type ResourceDef } from '../registry.ts';
import { matches, type Selector } from '../selectors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { boolParam, intParam } from './params.ts';

export interface WatchRequest {
  cluster: VirtualCluster;
  def: ResourceDef;
  namespace: string | undefined;
  selector: Selector;
  query: URLSearchParams;
  res: ServerResponse;
  onClose: (fn: () => void) => void;
  /** How an object is sent (e.g. as a one-row Table); the object itself by default. */
  present?: (obj: KubeObject) => unknown;
}

export function serveWatch(w: WatchRequest): void {
  const { cluster, def, namespace, selector, query, res } = w;
  const store = cluster.store;
  const rvParam = query.get('resourceVersion') ?? '';
  const sendInitial = boolParam(query, 'sendInitialEvents') === true;
  const bookmarks = boolParam(query, 'allowWatchBookmarks') === true;
  const timeoutSeconds = intParam(query, 'timeoutSeconds');
  let since: number | undefined;
  if (rvParam !== '' && rvParam !== '0' && !sendInitial) {
    if (!/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
    since = Number(rvParam);
  }

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  const present = w.present ?? ((o: KubeObject) => o);
  const write = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const visible = (obj: KubeObject): boolean =>
    (namespace === undefined || obj.metadata.namespace === namespace) && matches(selector, obj);
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(store.currentRv()),
      creationTimestamp: null,
    };
    if (annotations) metadata.annotations = annotations;
    write('BOOKMARK', { kind: def.kind, apiVersion: groupVersion(def), metadata });
  };
  const deliver = (ev: StoreEvent): void => {
    if (ev.storageKey !== def.storageKey) return;
    const now = visible(ev.object);
    const before = ev.prev !== undefined && visible(ev.prev);
    const obj = present(asServed(ev.object, def));
    if (ev.type === 'ADDED') {
      if (now) write('ADDED', obj);
    } else if (ev.type === 'DELETED') {
      if (now || before) write('DELETED', obj);
    } else if (now && before) write('MODIFIED', obj);
    else if (now) write('ADDED', obj);
    else if (before) write('DELETED', obj);
  };

  if (since === undefined) {
    for (const obj of store.list(def.storageKey, def.namespaced ? namespace : undefined)) {
      if (visible(obj)) write('ADDED', present(asServed(obj, def)));
    }
    if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const events = store.eventsSince(since);
    if (!events) {
      write('ERROR', gone(`too old resource version: ${since} (${store.oldestWatchableRv()})`).toStatus());
      res.end();
      return;
    }
    for (const ev of events) deliver(ev);
  }

  const unsubscribe = store.watch(deliver);
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks && cluster.bookmarkIntervalMs > 0) {
    timers.push(setInterval(() => bookmark(), cluster.bookmarkIntervalMs));
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearInterval(t);
    cluster.closers.delete(close);
    res.end();
  };
  if (timeoutSeconds !== undefined && timeoutSeconds > 0)
    timers.push(setTimeout(close, timeoutSeconds * 1000));
  cluster.closers.add(close);
  w.onClose(close);
}
