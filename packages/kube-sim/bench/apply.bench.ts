// Server-side applies per second against many virtual clusters hosted by one kube-sim.
import { Agent, request } from 'node:http';
import { startKubeSim } from '../src/index.ts';

interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const CLUSTERS = 100;
const OBJECTS_PER_CLUSTER = 10;
const CONCURRENCY = 32;

function deployment(i: number, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `app-${i}`, namespace: 'default', labels: { app: `app-${i}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `app-${i}` } },
      template: {
        metadata: { labels: { app: `app-${i}` } },
        spec: {
          containers: [
            { name: 'main', image, ports: [{ containerPort: 8080 }], env: [{ name: 'I', value: `${i}` }] },
          ],
        },
      },
    },
  });
}

function apply(agent: Agent, url: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}?fieldManager=bench&force=true`,
      {
        method: 'PATCH',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/apply-patch+yaml',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function round(
  agent: Agent,
  jobs: Array<{ url: string; body: string }>,
  token: string,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let job = jobs[next++]; job; job = jobs[next++]) {
      const code = await apply(agent, job.url, token, job.body);
      if (code !== 200 && code !== 201) throw new Error(`apply answered ${code}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return jobs.length / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const token = 'bench';
  const heapBefore = process.memoryUsage().heapUsed;
  const sim = await startKubeSim({ clusters: CLUSTERS, token });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const jobsFor = (image: string) =>
      sim.clusters().flatMap((c) =>
        Array.from({ length: OBJECTS_PER_CLUSTER }, (_, i) => ({
          url: `${c.url}/apis/apps/v1/namespaces/default/deployments/app-${i}`,
          body: deployment(i, image),
        })),
      );
    const created = await round(agent, jobsFor('nginx:1.27'), token);
    const unchanged = await round(agent, jobsFor('nginx:1.27'), token);
    const changed = await round(agent, jobsFor('nginx:1.28'), token);
    const heapPerCluster = (process.memoryUsage().heapUsed - heapBefore) / CLUSTERS / 1024;
    const label = `${CLUSTERS} clusters x ${OBJECTS_PER_CLUSTER} deployments`;
    return [
      { name: `ssa create, ${label}`, value: created, unit: 'applies/s' },
      { name: `ssa no-op re-apply, ${label}`, value: unchanged, unit: 'applies/s' },
      { name: `ssa image change, ${label}`, value: changed, unit: 'applies/s' },
      { name: 'heap per populated virtual cluster', value: heapPerCluster, unit: 'KiB' },
    ];
  } finally {
    agent.destroy();
    await sim.close();
  }
}
