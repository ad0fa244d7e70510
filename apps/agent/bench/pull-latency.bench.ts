// Commit-to-applied latency on the pull path: a deployment queued through the API → the agent's
// waiting long poll wakes → bundle fetched and verified → server-side apply in its cluster →
// result reported, measured until the target is `succeeded`. The agent is a real process.

import { readFile } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { CORPUS, startWorld } from '../test/helpers.ts';

/** startWorld registers cleanups with the test context; a bench runs them itself. */
function benchContext(): { t: TestContext; cleanup(): Promise<void> } {
  const hooks: Array<() => unknown> = [];
  const t = { after: (fn: () => unknown) => hooks.push(fn), diagnostic: () => {} } as unknown as TestContext;
  return {
    t,
    async cleanup() {
      for (const fn of hooks.reverse()) await fn();
    },
  };
}

export async function run(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const ctx = benchContext();
  try {
    const w = await startWorld(ctx.t);
    const edge = await w.pullCluster('edge');
    await w.createApp({
      name: 'guestbook',
      path: 'guestbook',
      clusters: ['edge'],
      namespace: 'web',
      createNamespace: true,
    });
    await w.agent(edge);
    const manifest = await readFile(`${CORPUS}/manifests/guestbook/guestbook-ui-deployment.yaml`, 'utf8');
    const first = await w.deploy('guestbook');
    await w.settled(first.id as string);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      await w.repo.write(
        'guestbook/guestbook-ui-deployment.yaml',
        manifest.replace('replicas: 1', `replicas: ${(i % 4) + 2}`),
      );
      await w.repo.commit(`round ${i}`);
      const t0 = performance.now();
      const d = await w.deploy('guestbook');
      const done = await w.settled(d.id as string);
      if (done.status !== 'succeeded') throw new Error(JSON.stringify(done));
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) =>
      times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? Number.NaN;
    return [
      { name: 'pull deploy→applied p50 (guestbook, agent process)', value: at(50), unit: 'ms' },
      { name: 'pull deploy→applied p95 (guestbook, agent process)', value: at(95), unit: 'ms' },
    ];
  } finally {
    await ctx.cleanup();
  }
}
