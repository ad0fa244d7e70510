// How to reach a cluster → a KubeClient. Three ways: an explicit server with a bearer token
// (push mode, credentials from the database), a kubeconfig file, or in-cluster service account
// credentials (pull mode, the agent).
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@tether/core';
import { HttpKubeClient, type KubeClient } from './client.ts';
import { KubeError } from './errors.ts';
import { Transport } from './request.ts';

export interface ServerConnection {
  /** `https://host:6443`; `http://` only with insecureSkipTLSVerify. */
  server: string;
  token?: string | undefined;
  /** Base64 of the PEM CA bundle, as `certificate-authority-data` in a kubeconfig. */
  caData?: string | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
  /** SNI / certificate name when it differs from the server's host. */
  tlsServerName?: string | undefined;
}

export interface KubeconfigConnection {
  kubeconfigPath: string;
  /** Defaults to the file's current-context. */
  context?: string | undefined;
}

export interface InClusterConnection {
  inCluster: true;
}

export type ClusterConnection = ServerConnection | KubeconfigConnection | InClusterConnection;

export interface ConnectOptions {
  /** Deadline of every call unless the call sets its own. Default 15 s. */
  timeoutMs?: number;
  logger: Logger;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** The KubeConfig for a connection; throws KubeError invalid_config when it cannot work. */
export function buildKubeConfig(conn: ClusterConnection): KubeConfig {
  const kc = new KubeConfig();
  if ('inCluster' in conn) {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
      throw new KubeError(
        'invalid_config',
        'not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set',
      );
    }
    kc.loadFromCluster();
  } else if ('kubeconfigPath' in conn) {
    try {
      kc.loadFromFile(conn.kubeconfigPath);
      if (conn.context) kc.setCurrentContext(conn.context);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new KubeError('invalid_config', `cannot load kubeconfig ${conn.kubeconfigPath}: ${reason}`, {
        cause: err,
      });
    }
  } else {
    kc.loadFromOptions({
      clusters: [
        {
          name: 'cluster',
          server: conn.server,
          skipTLSVerify: conn.insecureSkipTLSVerify === true,
          ...(conn.caData ? { caData: conn.caData } : {}),
          ...(conn.tlsServerName ? { tlsServerName: conn.tlsServerName } : {}),
        },
      ],
      // A user entry is needed even without a token: client-node applies TLS options per user.
      users: [{ name: 'tether', ...(conn.token ? { token: conn.token } : {}) }],
      contexts: [{ name: 'tether', cluster: 'cluster', user: 'tether' }],
      currentContext: 'tether',
    });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeError('invalid_config', 'the connection names no cluster');
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubeError('invalid_config', `"${cluster.server}" is not a server URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeError(
      'invalid_config',
      `"${cluster.server}": only https:// (or http:// when insecure) servers`,
    );
  }
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    throw new KubeError('invalid_config', `"${cluster.server}": plain http needs insecureSkipTLSVerify`);
  }
  return kc;
}

export function connectCluster(conn: ClusterConnection, opts: ConnectOptions): KubeClient {
  const kc = buildKubeConfig(conn);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new KubeError('invalid_config', `timeoutMs must be positive, got ${timeoutMs}`);
  const logger = opts.logger.child({ component: 'kube', server: kc.getCurrentCluster()?.server });
  return new HttpKubeClient(new Transport(kc, timeoutMs, logger), logger);
}
