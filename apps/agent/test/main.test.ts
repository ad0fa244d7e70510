// The binary without a control plane: configuration errors, backing off while the control plane is
// unreachable, the local health/metrics listener, and a clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedPort } from './net.ts';
import { spawnAgent, tail } from './process.ts';

test('main: a bad configuration exits 2 naming every problem', async (t) => {
  const agent = spawnAgent(t, { TETHER_URL: 'ftp://x', TETHER_AGENT_HEALTH_PORT: 'lots' });
  assert.equal(await agent.exited, 2, agent.output());
  assert.match(agent.output(), /TETHER_URL must use https: or http:/);
  assert.match(agent.output(), /TETHER_AGENT_HEALTH_PORT must be an integer/);
});

test('main: no stored credential and no bootstrap token exits 2', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tether-agent-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const agent = spawnAgent(t, { TETHER_URL: 'http://127.0.0.1:9', TETHER_AGENT_STATE_DIR: dir });
  assert.equal(await agent.exited, 2, agent.output());
  assert.match(agent.output(), /no credential in .*credential\.json and no TETHER_BOOTSTRAP_TOKEN/);
});

test('main: unreachable control plane — backs off, health and metrics on 127.0.0.1, SIGTERM exits 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tether-agent-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const agent = spawnAgent(t, {
    TETHER_URL: `http://127.0.0.1:${await closedPort()}`,
    TETHER_BOOTSTRAP_TOKEN: 'tether_boot_unused',
    TETHER_AGENT_STATE_DIR: dir,
    TETHER_AGENT_HEALTH_PORT: '0',
  });
  const up = await agent.waitForLog((l) => l.msg === 'health listener up', 'the health listener');
  assert.equal(up.host, '127.0.0.1');
  const base = `http://127.0.0.1:${up.port as number}`;
  // Several failed registrations, each followed by a backoff.
  await agent.waitForLog(
    (l) => l.msg === 'registration failed; retrying' && (l.failures as number) >= 3,
    '3 failures',
  );

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  const body = (await health.json()) as Record<string, unknown>;
  assert.equal(body.state, 'registering');
  assert.equal(body.connected, false);

  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  assert.match(text, /^# TYPE tether_agent_claims_total counter$/m);
  assert.match(text, /^tether_agent_claims_total 0$/m);
  assert.match(text, /^tether_agent_results_total\{status="succeeded"\} 0$/m);
  const errors = Number(/^tether_agent_errors_total\{kind="unreachable"\} (\d+)$/m.exec(text)?.[1]);
  assert.ok(errors >= 3, text);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.equal((await fetch(`${base}/other`)).status, 404);

  agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0, tail(agent.output()));
  assert.match(agent.output(), /"stopped before registering"/);
});
