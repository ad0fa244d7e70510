// Two clusters, an agent each: an agent only ever gets its own cluster's jobs, and cannot see or
// touch the other cluster's targets and bundles with its credential.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startWorld, targetOn } from './helpers.ts';

test("isolation: each agent applies only its cluster's targets; the other's are invisible to it", async (t) => {
  const w = await startWorld(t);
  const north = await w.pullCluster('north');
  const south = await w.pullCluster('south');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['north', 'south'], namespace: 'web' });
  await w.createApp({ name: 'north-only', path: 'guestbook', clusters: ['north'], namespace: 'north-only' });

  // Only the north agent is up: it takes north's targets and leaves south's queued.
  const northState = join(await freshDir(t), 'north');
  const northAgent = await w.agent(north, { stateDir: northState });
  const northId = (await northAgent.waitForLog((l) => l.msg === 'registered; credential stored', 'north'))
    .agentId;
  const d = await w.deploy('guestbook');
  const afterNorth = await w.waitDeployment(
    d.id as string,
    'north applied',
    (x) => targetOn(x, 'north').status === 'succeeded',
  );
  assert.equal(targetOn(afterNorth, 'south').status, 'queued', "north's agent did not take south's target");
  const only = await w.deploy('north-only');
  assert.equal((await w.settled(only.id as string)).status, 'succeeded');

  // North's credential cannot reach south's target or bundle: they do not exist for it (404).
  const { credential } = JSON.parse(await readFile(join(northState, 'credential.json'), 'utf8')) as {
    credential: string;
  };
  const southRow = await w.db.deploymentTarget.findFirstOrThrow({
    where: { deploymentId: d.id as string, cluster: { name: 'south' } },
  });
  const asNorth = (path: string, body?: object) =>
    fetch(`${w.apiUrl}/agent/v1/${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  assert.equal((await asNorth('heartbeat', { targetId: southRow.id, epoch: 1 })).status, 404);
  assert.equal(
    (await asNorth('result', { targetId: southRow.id, epoch: 1, status: 'succeeded', objects: [] })).status,
    404,
  );

  // Now south's agent comes up and gets exactly south's target.
  const southAgent = await w.agent(south);
  const southId = (await southAgent.waitForLog((l) => l.msg === 'registered; credential stored', 'south'))
    .agentId;
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const southRowAfter = await w.db.deploymentTarget.findUniqueOrThrow({ where: { id: southRow.id } });
  assert.ok(southRowAfter.bundleDigest);
  assert.equal(
    (await asNorth(`bundles/${southRowAfter.bundleDigest}`)).status,
    200,
    'the same bundle (same app and commit) was handed to north too',
  );
  const events = await w.auditTypes(southRow.id);
  assert.equal(events.find((e) => e.type === 'target.started')?.actorName, southId);
  assert.notEqual(southId, northId);

  // Each agent claimed only its own cluster's jobs.
  const claimed = (lines: { msg: string; targetId?: unknown }[]) =>
    lines.filter((l) => l.msg === 'job claimed').map((l) => l.targetId as string);
  const northClaims = claimed(northAgent.lines());
  const southClaims = claimed(southAgent.lines());
  assert.equal(northClaims.length, 2);
  assert.deepEqual(southClaims, [southRow.id]);
  for (const id of northClaims) {
    const row = await w.db.deploymentTarget.findUniqueOrThrow({ where: { id }, include: { cluster: true } });
    assert.equal(row.cluster.name, 'north');
  }
  // north-only's objects are only on north.
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'north-only', name: 'guestbook-ui' };
  assert.ok(await w.kube('north').get(ref));
  assert.equal(await w.kube('south').get(ref), undefined);
});

async function freshDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tether-agent-iso-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
