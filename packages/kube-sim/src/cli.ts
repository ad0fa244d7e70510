#!/usr/bin/env node
// tether-kube-sim: run the simulator as a process (logs as JSON lines on stderr).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startKubeSim } from './kube-sim.ts';

const USAGE = `Usage: tether-kube-sim [options]
  --port N               listen port (default 6443; 0 picks a free one)
  --host ADDR            listen address (default 127.0.0.1)
  --token T              bearer token clients must send
  --tls                  serve HTTPS with a generated CA
  --kubeconfig PATH      where to write the kubeconfig (default: a temp file)
  --ready-delay-ms N     delay before rollouts report ready (default 0)
  --snapshot FILE        load state from FILE, save it periodically and on shutdown
  --snapshot-interval-ms N  period of snapshot saves (default 10000)
  --clusters N           also host N virtual clusters at /clusters/cluster-<i>
  --pods                 workloads create ReplicaSets and Pods (for demos)
  --log-level LEVEL      pino level (default info)
  --help
`;

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`invalid --${name}: ${value}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      tls: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      'ready-delay-ms': { type: 'string' },
      snapshot: { type: 'string' },
      'snapshot-interval-ms': { type: 'string' },
      clusters: { type: 'string' },
      pods: { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = pino(
    { level: values['log-level'] ?? 'info', base: { service: 'kube-sim' } },
    pino.destination(2),
  );
  const sim = await startKubeSim({
    port: int(values.port, 'port', 6443),
    host: values.host ?? '127.0.0.1',
    token: values.token,
    tls: values.tls ?? false,
    readyDelayMs: int(values['ready-delay-ms'], 'ready-delay-ms', 0),
    snapshotFile: values.snapshot,
    snapshotIntervalMs: int(values['snapshot-interval-ms'], 'snapshot-interval-ms', 10_000),
    clusters: int(values.clusters, 'clusters', 0),
    simulatePods: values.pods ?? false,
    logger: log,
  });
  const kubeconfigPath = values.kubeconfig ?? join(tmpdir(), `kube-sim-${sim.port}.kubeconfig`);
  sim.writeKubeconfig(kubeconfigPath);
  if (sim.clusters().length > 0) {
    const all = kubeconfigPath.replace(/(\.kubeconfig|\.ya?ml)?$/, '-all$1');
    const { writeKubeconfigFile } = await import('./kubeconfig.ts');
    writeKubeconfigFile(all, sim.kubeconfigAll());
    log.info({ path: all, clusters: sim.clusters().length }, 'kubeconfig with every cluster written');
  }
  log.info({ url: sim.url, kubeconfig: kubeconfigPath }, 'kube-sim ready');
  // The path on stdout so scripts can capture it: KUBECONFIG=$(tether-kube-sim ...)
  process.stdout.write(`${kubeconfigPath}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    sim
      .close()
      .then(() => {
        log.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
