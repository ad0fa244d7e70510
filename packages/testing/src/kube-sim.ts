// Simulated Kubernetes clusters for tests: one line to start a kube-sim server with a token,
// its kubeconfig written to a temporary directory that close() removes.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeSim, type KubeSimOptions, type SimCluster, startKubeSim } from '@tether/kube-sim';

export interface StartSimOptions extends KubeSimOptions {}

export interface RunningSim {
  sim: KubeSim;
  /** API server URL of the root cluster. */
  url: string;
  token: string | undefined;
  /** Path of a kubeconfig for the root cluster (current context, namespace default). */
  kubeconfigPath: string;
  /** The same kubeconfig as YAML, e.g. for KubeConfig.loadFromString. */
  kubeconfig: string;
  /** Temporary directory holding the kubeconfig files; removed by close(). */
  dir: string;
  /** A virtual cluster by name (see `clusters`), with its kubeconfig written next to the root one. */
  cluster(name: string): SimCluster & { kubeconfigPath: string };
  close(): Promise<void>;
}

/** Starts a simulator (random port, random bearer token unless given) and writes its kubeconfig. */
export async function startSim(opts: StartSimOptions = {}): Promise<RunningSim> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  const sim = await startKubeSim({ port: 0, host: '127.0.0.1', ...opts, token });
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'tether-kube-sim-'));
  } catch (err) {
    await sim.close();
    throw err;
  }
  const kubeconfigPath = sim.writeKubeconfig(join(dir, 'kubeconfig'));
  return {
    sim,
    url: sim.url,
    token: sim.token,
    kubeconfigPath,
    kubeconfig: sim.kubeconfig(),
    dir,
    cluster(name) {
      const c = sim.cluster(name);
      if (!c) throw new Error(`kube-sim has no cluster named ${name}`);
      return { ...c, kubeconfigPath: c.writeKubeconfig(join(dir, `${name}.kubeconfig`)) };
    },
    async close() {
      try {
        await sim.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
