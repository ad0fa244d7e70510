// Commit-to-applied latency on the push path: a signed webhook → API → Redis → worker → kube-sim,
// measured from the webhook request to the target's `succeeded`. Also webhook intake throughput.
import { readFile } from 'node:fs/promises';
import { api, CORPUS, pushWebhook, SIM_TOKEN, startE2E } from '../test/env.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function run(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const e = await startE2E();
  try {
    await e.repo.copyDir(`${CORPUS}/manifests/guestbook`, 'apps/guestbook');
    let prev = await e.repo.commit('guestbook');
    await api(e.app, 'POST', '/api/v1/clusters', {
      name: 'sim',
      mode: 'push',
      server: e.sim.url,
      token: SIM_TOKEN,
      caData: e.sim.caData,
    });
    await api(e.app, 'POST', '/api/v1/applications', {
      name: 'guestbook',
      repoUrl: e.repoUrl,
      path: 'apps/guestbook',
      targetRevision: 'main',
      destinations: [{ cluster: 'sim', namespace: 'guestbook' }],
      syncPolicy: { automated: true, createNamespace: true },
    });
    const deployment = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    const latencies: number[] = [];
    const rounds = 20;
    for (let i = 0; i < rounds; i++) {
      await e.repo.write(
        'apps/guestbook/guestbook-ui-deployment.yaml',
        deployment.replace('replicas: 1', `replicas: ${(i % 5) + 2}`),
      );
      const sha = await e.repo.commit(`round ${i}`);
      const started = performance.now();
      const res = await pushWebhook(e.app, e.repoUrl, sha, prev, {
        files: ['apps/guestbook/guestbook-ui-deployment.yaml'],
      });
      const id = res.body.deployments?.[0]?.id as string;
      for (;;) {
        const { body } = await api(e.app, 'GET', `/api/v1/deployments/${id}`);
        if (body.status === 'succeeded') break;
        if (body.status === 'failed') throw new Error(JSON.stringify(body));
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - started);
      prev = sha;
    }
    latencies.sort((a, b) => a - b);

    // Intake: deliveries answered per second (unknown repository: verified, recorded, ignored).
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await pushWebhook(e.app, 'https://github.com/acme/other.git', prev, prev);
    const intake = n / ((performance.now() - t0) / 1000);

    return [
      { name: 'push commit→applied p50 (guestbook)', value: percentile(latencies, 50), unit: 'ms' },
      { name: 'push commit→applied p95 (guestbook)', value: percentile(latencies, 95), unit: 'ms' },
      { name: 'webhook intake, sequential', value: intake, unit: 'deliveries/s' },
    ];
  } finally {
    await e.close();
  }
}
