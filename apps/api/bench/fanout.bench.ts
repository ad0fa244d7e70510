// Webhook fan-out in a monorepo of 600 applications: how long a push takes to be answered
// (verified, matched by path, deployments + jobs durable) when it touches a few of them, and
// how many such pushes per second one API process absorbs in a storm.
import { deliver, pushPayload, startHarness } from '../test/harness.ts';
import { seedMonorepo, touch } from '../test/monorepo.ts';

export async function run(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const h = await startHarness();
  const m = await seedMonorepo(h.db, 600);
  try {
    const times: number[] = [];
    let before = m.base;
    const payloads: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const services = [
        `svc-${String((i * 7) % 600).padStart(3, '0')}`,
        `svc-${String((i * 13 + 5) % 600).padStart(3, '0')}`,
      ];
      const sha = await touch(m, services, String(i));
      payloads.push(
        await pushPayload(
          m.repo.url,
          sha,
          before,
          services.map((s) => `apps/${s}/config.yaml`),
        ),
      );
      before = sha;
    }
    for (const p of payloads.slice(0, 10)) {
      const t0 = performance.now();
      const res = await deliver(h.app, 'push', p);
      if (res.statusCode !== 202) throw new Error(res.body);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const storm = payloads.slice(10);
    const t0 = performance.now();
    await Promise.all(storm.map((p) => deliver(h.app, 'push', p)));
    const perSecond = storm.length / ((performance.now() - t0) / 1000);
    return [
      {
        name: 'push touching 2 of 600 apps, answer p50',
        value: times[Math.floor(times.length / 2)] ?? Number.NaN,
        unit: 'ms',
      },
      { name: 'push storm, 20 concurrent pushes (2 of 600 apps each)', value: perSecond, unit: 'pushes/s' },
    ];
  } finally {
    await h.close();
    await m.repo.delete();
  }
}
