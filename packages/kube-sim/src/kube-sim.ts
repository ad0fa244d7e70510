// The programmatic API: one HTTP(S) server hosting a root cluster and any number of virtual
// clusters under /clusters/<name>, each with its own store and optional token.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { ClusterUser, VirtualCluster } from './cluster.ts';
import { requestHandler } from './http/handler.ts';
import { type KubeconfigEntry, kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.ts';
import { createCluster } from './setup.ts';
import { type ClusterSnapshot, readSnapshot, writeSnapshot } from './snapshot.ts';
import { generateTls, type TlsMaterial } from './tls.ts';

export interface KubeSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token every cluster requires unless it has its own. */
  token?: string;
  /** Serve HTTPS with a freshly generated CA. */
  tls?: boolean;
  /** Delay before simulated rollouts become ready; default 0. */
  readyDelayMs?: number;
  /** Loaded at start when present, saved periodically and on close. */
  snapshotFile?: string;
  /** Period of snapshot saves (only when something changed); default 10 s, 0 disables. */
  snapshotIntervalMs?: number;
  /** Virtual clusters under /clusters/<name>: a count (cluster-1..N) or names. */
  clusters?: number | string[];
  /** Extra identities on every cluster, e.g. a read-only token. */
  users?: ClusterUser[];
  /** Period of BOOKMARK events on watches that allow them; default 20 s. */
  bookmarkIntervalMs?: number;
  /** Watch history kept per cluster (events); default 10000. */
  historySize?: number;
  /** Workloads create ReplicaSets and Pods, as their controllers would; default false. */
  simulatePods?: boolean;
  logger?: Logger;
}

export interface SimCluster {
  name: string;
  /** Base URL of this cluster's API (includes the /clusters/<name> prefix). */
  url: string;
  token: string | undefined;
  /** PEM of the CA that signed the server certificate, when TLS is on. */
  caPem: string | undefined;
  /** kubeconfig YAML with a single context for this cluster. */
  kubeconfig(namespace?: string): string;
  /** Writes the kubeconfig and returns `path`. */
  writeKubeconfig(path: string, namespace?: string): string;
  /** The simulated cluster itself (store, registry), for tests and tools. */
  state: VirtualCluster;
}

export interface AddClusterOptions {
  /** Its own token; defaults to the server token. Pass null for none. */
  token?: string | null;
}

export interface KubeSim extends SimCluster {
  port: number;
  host: string;
  /** base64 PEM of the CA (as in certificate-authority-data), when TLS is on. */
  caData: string | undefined;
  /** The named virtual clusters (the root cluster is the KubeSim itself). */
  clusters(): SimCluster[];
  cluster(name: string): SimCluster | undefined;
  addCluster(name: string, opts?: AddClusterOptions): SimCluster;
  removeCluster(name: string): boolean;
  /** kubeconfig with one context per cluster (root first). */
  kubeconfigAll(): string;
  saveSnapshot(): void;
  close(): Promise<void>;
}

export const ROOT_CLUSTER = 'kube-sim';

function clusterNames(spec: number | string[] | undefined): string[] {
  if (spec === undefined) return [];
  if (Array.isArray(spec)) return spec;
  return Array.from({ length: spec }, (_, i) => `cluster-${i + 1}`);
}

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? pino({ level: 'silent' });
  const tls: TlsMaterial | undefined = opts.tls ? generateTls([host]) : undefined;
  const snapshot = opts.snapshotFile ? readSnapshot(opts.snapshotFile) : undefined;
  const fromSnapshot = new Map<string, ClusterSnapshot>((snapshot?.clusters ?? []).map((c) => [c.name, c]));
  let port = 0;

  const make = (name: string, token: string | undefined): VirtualCluster =>
    createCluster(
      {
        name,
        token,
        users: opts.users,
        readyDelayMs: opts.readyDelayMs ?? 0,
        historySize: opts.historySize,
        bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 20_000,
        simulatePods: opts.simulatePods,
        logger: log.child({ cluster: name }),
      },
      fromSnapshot.get(name),
    );

  const root = make(ROOT_CLUSTER, opts.token);
  const named = new Map<string, VirtualCluster>();
  for (const name of clusterNames(opts.clusters)) named.set(name, make(name, opts.token));
  for (const name of fromSnapshot.keys()) {
    if (name !== ROOT_CLUSTER && !named.has(name)) named.set(name, make(name, opts.token));
  }

  const handler = requestHandler({
    clusters: named,
    rootCluster: root,
    log,
    serverAddress: () => `${host}:${port}`,
  });
  const server: Server = tls
    ? createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const baseUrl = `${tls ? 'https' : 'http'}://${urlHost}:${port}`;

  const entry = (
    c: VirtualCluster,
    url: string,
    token: string | undefined,
    ns?: string,
  ): KubeconfigEntry => ({
    name: c.name,
    server: url,
    token,
    caPem: tls?.caCertPem,
    namespace: ns,
  });
  const handle = (c: VirtualCluster, url: string, token: string | undefined): SimCluster => ({
    name: c.name,
    url,
    token,
    caPem: tls?.caCertPem,
    state: c,
    kubeconfig: (ns) => kubeconfigYaml([entry(c, url, token, ns)]),
    writeKubeconfig(path, ns) {
      writeKubeconfigFile(path, kubeconfigYaml([entry(c, url, token, ns)]));
      return path;
    },
  });
  const tokens = new Map<string, string | undefined>();
  const handleFor = (name: string): SimCluster | undefined => {
    const c = named.get(name);
    return c
      ? handle(c, `${baseUrl}/clusters/${encodeURIComponent(name)}`, tokens.get(name) ?? opts.token)
      : undefined;
  };

  const save = (): void => {
    if (opts.snapshotFile) writeSnapshot(opts.snapshotFile, [root, ...named.values()]);
  };
  let savedRv = '';
  const fingerprint = (): string =>
    [root, ...named.values()].map((c) => `${c.name}:${c.store.currentRv()}`).join(',');
  const interval =
    opts.snapshotFile && (opts.snapshotIntervalMs ?? 10_000) > 0
      ? setInterval(() => {
          const fp = fingerprint();
          if (fp === savedRv) return;
          try {
            save();
            savedRv = fp;
          } catch (err) {
            log.error({ err }, 'snapshot save failed');
          }
        }, opts.snapshotIntervalMs ?? 10_000)
      : undefined;
  interval?.unref();

  let closed = false;
  const rootHandle = handle(root, baseUrl, opts.token);
  log.info({ url: baseUrl, clusters: named.size, tls: Boolean(tls) }, 'kube-sim listening');
  return {
    ...rootHandle,
    port,
    host,
    caData: tls ? Buffer.from(tls.caCertPem).toString('base64') : undefined,
    clusters: () =>
      [...named.keys()].map((n) => handleFor(n)).filter((h): h is SimCluster => h !== undefined),
    cluster: handleFor,
    addCluster(name, addOpts = {}) {
      if (named.has(name) || name === ROOT_CLUSTER) throw new Error(`cluster ${name} already exists`);
      const token = addOpts.token === null ? undefined : (addOpts.token ?? opts.token);
      tokens.set(name, token);
      named.set(name, make(name, token));
      const h = handleFor(name);
      if (!h) throw new Error(`cluster ${name} was not created`);
      return h;
    },
    removeCluster(name) {
      const c = named.get(name);
      if (!c) return false;
      c.close();
      named.delete(name);
      tokens.delete(name);
      return true;
    },
    kubeconfigAll() {
      const entries = [entry(root, baseUrl, opts.token)];
      for (const n of named.keys()) {
        const h = handleFor(n);
        if (h) entries.push(entry(h.state, h.url, h.token));
      }
      return kubeconfigYaml(entries);
    },
    saveSnapshot: save,
    async close() {
      if (closed) return;
      closed = true;
      if (interval) clearInterval(interval);
      try {
        save();
      } finally {
        for (const c of [root, ...named.values()]) c.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
    },
  };
}
