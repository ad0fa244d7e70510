// One GitHub push, one deployment, targets on push and pull clusters: the push worker applies its
// cluster, each agent applies its own; same state machine and audit for all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorld, targetOn } from './helpers.ts';

test('mixed: a push deploys to push and pull clusters in one deployment', async (t) => {
  const w = await startWorld(t);
  await w.pushCluster('core');
  const edgeA = await w.pullCluster('edge-a');
  const edgeB = await w.pullCluster('edge-b');
  await w.createApp({
    name: 'guestbook',
    path: 'guestbook',
    clusters: ['core', 'edge-a', 'edge-b'],
    namespace: 'web',
  });
  await w.startWorker();
  const agentA = await w.agent(edgeA);
  const agentB = await w.agent(edgeB);
  const idA = (await agentA.waitForLog((l) => l.msg === 'registered; credential stored', 'A registered'))
    .agentId;
  const idB = (await agentB.waitForLog((l) => l.msg === 'registered; credential stored', 'B registered'))
    .agentId;

  const pushed = await w.pushWebhook();
  assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
  assert.equal(pushed.body.deployments.length, 1, JSON.stringify(pushed.body));
  const done = await w.settled(pushed.body.deployments[0].id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(done.revision.sha, w.sha);
  assert.deepEqual(
    (done.targets as { cluster: string; mode: string; status: string }[])
      .map((x) => `${x.cluster}:${x.mode}:${x.status}`)
      .sort(),
    ['core:push:succeeded', 'edge-a:pull:succeeded', 'edge-b:pull:succeeded'],
  );

  const rows = await w.db.deploymentTarget.findMany({
    where: { deploymentId: done.id as string },
    include: { cluster: { select: { name: true } } },
  });
  const startedBy: Record<string, string | undefined> = {};
  for (const row of rows) {
    const events = await w.auditTypes(row.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['target.queued', 'target.started', 'target.succeeded'],
      row.cluster.name,
    );
    startedBy[row.cluster.name] = events[1]?.actorName;
  }
  assert.deepEqual(startedBy, { core: 'push-worker', 'edge-a': idA, 'edge-b': idB });

  for (const cluster of ['core', 'edge-a', 'edge-b']) {
    const objects = targetOn(done, cluster).objects as { kind: string; action: string }[];
    assert.ok(
      objects.some((o) => o.kind === 'Deployment' && o.action === 'created'),
      cluster,
    );
    const live = await w.kube(cluster).get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'web',
      name: 'guestbook-ui',
    });
    assert.ok(live, `guestbook-ui is on ${cluster}`);
  }
});
