// Agents as real processes against the real API: deliver, apply, report, audit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPLICATION_LABEL } from '@tether/kube';
import { startWorld, targetOn } from './helpers.ts';

test('pull: an agent registers, claims, verifies, applies guestbook and reports; audited like the push path', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, { env: { TETHER_AGENT_HEALTH_PORT: '0' } });
  const registered = await agent.waitForLog((l) => l.msg === 'registered; credential stored', 'registration');

  const d = await w.deploy('guestbook');
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const target = targetOn(done, 'edge');
  assert.equal(target.mode, 'pull');
  assert.deepEqual(
    (target.objects as { kind: string; action: string }[]).map((o) => `${o.kind}:${o.action}`),
    ['Namespace:created', 'Service:created', 'Deployment:created'],
  );
  const live = await w.kube('edge').get({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'guestbook-ui',
  });
  assert.equal(live?.metadata.labels?.[APPLICATION_LABEL], 'guestbook');

  const targetRow = await w.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id as string } });
  const events = await w.auditTypes(targetRow.id);
  assert.deepEqual(
    events.map((e) => e.type),
    ['target.queued', 'target.started', 'target.succeeded'],
  );
  assert.equal(events[1]?.actorName, registered.agentId);

  const port = await agent.healthPort();
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^tether_agent_claims_total 1$/m);
  assert.match(metrics, /^tether_agent_results_total\{status="succeeded"\} 1$/m);
});

test('pull: idle memory of an agent that has applied a job and is long-polling (reported, not asserted)', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge, {
    env: { TETHER_AGENT_HEALTH_PORT: '0', TETHER_AGENT_CLAIM_WAIT_SECONDS: '1', LOG_LEVEL: 'debug' },
  });
  const d = await w.deploy('guestbook');
  assert.equal((await w.settled(d.id as string)).status, 'succeeded');
  // Idle: a few empty long polls after the job.
  const idle = () => agent.lines().filter((l) => l.msg === 'no job within the wait').length;
  const before = idle();
  await agent.waitForLog(() => idle() >= before + 3, 'three empty long polls');
  const text = await (await fetch(`http://127.0.0.1:${await agent.healthPort()}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const rss = gauge('process_resident_memory_bytes');
  assert.ok(rss > 0);
  t.diagnostic(
    `idle agent: rss ${mib(rss)}, heap used ${mib(gauge('nodejs_heap_size_used_bytes'))}, heap total ${mib(gauge('nodejs_heap_size_total_bytes'))}, external ${mib(gauge('nodejs_external_memory_bytes'))}`,
  );
});
