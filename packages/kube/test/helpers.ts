import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@tether/core';
import { type KubeSim, type KubeSimOptions, startKubeSim } from '@tether/kube-sim';
import { fsTree, type RenderedObject, renderManifests } from '@tether/manifests';
import { type ClusterConnection, connectCluster, type KubeClient } from '../src/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CORPUS = resolve(repoRoot, '../shared/corpus/manifests');
export const logger = silentLogger();
export const TOKEN = 'sim-token';

export interface SimEnv {
  sim: KubeSim;
  client: KubeClient;
  close(): Promise<void>;
}

/** A simulated cluster and a client for it (token auth, TLS when asked). */
export async function withSim(fn: (env: SimEnv) => Promise<void>, opts: KubeSimOptions = {}): Promise<void> {
  const sim = await startKubeSim({ token: TOKEN, ...opts });
  const conn: ClusterConnection = sim.caData
    ? { server: sim.url, token: TOKEN, caData: sim.caData }
    : { server: sim.url, token: TOKEN, insecureSkipTLSVerify: true };
  const client = connectCluster(conn, { logger });
  const close = async () => {
    await client.close();
    await sim.close();
  };
  try {
    await fn({ sim, client, close });
  } finally {
    await close();
  }
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    { fieldManager: 'test-setup' },
  );
}

/** A writable copy of a corpus application; `render()` renders its current files. */
export async function corpusApp(
  app: string,
): Promise<{ dir: string; render: () => Promise<RenderedObject[]>; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tether-kube-'));
  await cp(join(CORPUS, app), join(dir, app), { recursive: true });
  return {
    dir,
    render: async () => (await renderManifests({ tree: fsTree(dir), path: app, logger })).objects,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP server that accepts connections and never answers. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A write by another client straight to the sim's REST API (what `kubectl scale`, `kubectl edit`
 * or `kubectl create` send): a merge patch (PATCH) or a create (POST) under `fieldManager`.
 */
export async function writeAs(
  sim: KubeSim,
  method: 'PATCH' | 'POST',
  path: string,
  body: unknown,
  fieldManager: string,
): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}?fieldManager=${encodeURIComponent(fieldManager)}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
