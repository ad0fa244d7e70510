// One virtual cluster: its store, the types it serves, its credentials and its clock.
// Behaviour lives elsewhere (engine/ writes, controllers/ react); this is the shared state.
import type { Logger } from 'pino';
import { Registry } from './registry.ts';
import { Store } from './store.ts';

export interface ClusterUser {
  token: string;
  name: string;
  /** Only get/list/watch allowed; writes answer 403 Forbidden. */
  readOnly?: boolean;
}

export interface ClusterConfig {
  name: string;
  /** Bearer token required on every request (except health and version) when set. */
  token?: string | undefined;
  /** Extra identities, e.g. a read-only viewer. */
  users?: ClusterUser[] | undefined;
  readyDelayMs: number;
  historySize?: number | undefined;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  /** Workloads create ReplicaSets and Pods (a demo cluster's `kubectl get pods`). */
  simulatePods?: boolean | undefined;
  logger: Logger;
  now?: (() => number) | undefined;
}

export interface ObjectTracking {
  /** The generation, or a hash of the spec for kinds without one (Services, Pods). */
  revision: string;
  /** Epoch ms at which this revision was first seen (rollout start). */
  since: number;
  /** Pod-template hashes in rollout order (Deployments: revision = position + 1). */
  templates?: string[];
}

export class VirtualCluster {
  readonly name: string;
  readonly store: Store;
  readonly registry = new Registry();
  readonly log: Logger;
  readonly readyDelayMs: number;
  readonly bookmarkIntervalMs: number;
  readonly simulatePods: boolean;
  readonly users: ClusterUser[];
  /** Rollout bookkeeping of the status simulation, by object uid. */
  readonly tracking = new Map<string, ObjectTracking>();
  readonly timers = new Map<string, NodeJS.Timeout>();
  /** Watch streams to end when the cluster closes. */
  readonly closers = new Set<() => void>();
  private readonly clock: () => number;
  private nextIp = 1;
  closed = false;

  constructor(cfg: ClusterConfig) {
    this.name = cfg.name;
    this.log = cfg.logger;
    this.readyDelayMs = cfg.readyDelayMs;
    this.bookmarkIntervalMs = cfg.bookmarkIntervalMs;
    this.simulatePods = cfg.simulatePods ?? false;
    this.clock = cfg.now ?? Date.now;
    this.users = [...(cfg.users ?? [])];
    if (cfg.token) this.users.unshift({ token: cfg.token, name: 'admin' });
    this.store = new Store({
      historySize: cfg.historySize,
      onError: (err) => this.log.error({ err }, 'controller failed'),
    });
  }

  now(): number {
    return this.clock();
  }

  /** Whether requests must carry a bearer token. */
  get authRequired(): boolean {
    return this.users.length > 0;
  }

  userForToken(token: string): ClusterUser | undefined {
    return this.users.find((u) => u.token === token);
  }

  allocateClusterIp(): string {
    const n = this.nextIp++;
    return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const c of [...this.closers]) c();
    this.closers.clear();
  }
}
