// Drift and self-heal on a pull cluster, end to end: the agent (a real process, checking every
// second here) finds a change made with kubectl behind Tether's back, the control plane records it
// like the push worker's finding (status + audit, the agent as actor), and with selfHeal a
// `selfheal` deployment runs on the agent and puts the cluster back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAuditEvents } from '@tether/db';
import { type Json, startWorld, targetOn, waitFor } from './helpers.ts';

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'guestbook-ui' } as const;
const registered = (l: { msg: string }) => l.msg === 'registered; credential stored';

test('pull drift: found by the agent, recorded and audited as push drift; selfHeal re-applies on the agent', async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'watched', path: 'guestbook', clusters: ['edge'], namespace: 'watched' });
  await w.createApp({
    name: 'healed',
    path: 'guestbook',
    clusters: ['edge'],
    namespace: 'healed',
    selfHeal: true,
  });
  const agent = await w.agent(edge, { env: { TETHER_RESYNC_INTERVAL: '1' } });
  const agentId = (await agent.waitForLog(registered, 'registration')).agentId as string;
  for (const app of ['watched', 'healed']) {
    const d = await w.deploy(app);
    assert.equal((await w.settled(d.id as string)).status, 'succeeded');
  }
  const replicas = async (ns: string) =>
    ((await w.kube('edge').get({ ...DEPLOY, namespace: ns }))?.spec as { replicas?: number } | undefined)
      ?.replicas;

  // A first check: in line with what was applied.
  const first = await waitFor('a first drift check', async () => {
    const s = await w.status('watched', 'edge');
    return s.checkedAt ? s : undefined;
  });
  assert.equal(first.sync, 'synced');
  assert.equal(first.health, 'healthy');
  assert.equal(first.drift, null);

  // Without selfHeal: detected, recorded, audited by the agent, and left as it is.
  await w.kubectl('edge', 'scale', 'deployment/guestbook-ui', '--replicas=4', '-n', 'watched');
  const drifted = await waitFor('drift on watched', async () => {
    const s = await w.status('watched', 'edge');
    return s.drift ? s : undefined;
  });
  assert.equal(drifted.sync, 'out-of-sync');
  const obj = drifted.drift.objects.find((o: Json['body']) => o.kind === 'Deployment');
  assert.ok(obj, JSON.stringify(drifted.drift));
  assert.equal(obj.name, 'guestbook-ui');
  assert.equal(obj.namespace, 'watched');
  const replicasChange = obj.changes.find((c: { path: string }) => c.path === 'spec.replicas');
  assert.deepEqual(replicasChange, { path: 'spec.replicas', from: 4, to: 1 });
  const watched = await w.api('GET', '/applications/watched');
  const detected = await listAuditEvents(w.db, {
    applicationId: watched.body.id as string,
    type: 'application.drift_detected',
  });
  assert.equal(detected.items.length, 1);
  assert.equal(detected.items[0]?.actorType, 'agent');
  assert.equal(detected.items[0]?.actorName, agentId);
  assert.equal(await replicas('watched'), 4, 'without selfHeal the change stays');
  const watchedDeployments = await w.api('GET', '/deployments?application=watched');
  assert.equal(watchedDeployments.body.items.length, 1, 'and nothing is deployed');

  // With selfHeal: a selfheal deployment, claimed and applied (forced) by the agent.
  await w.kubectl('edge', 'scale', 'deployment/guestbook-ui', '--replicas=7', '-n', 'healed');
  const heal = await waitFor('a self-heal deployment', async () => {
    const list = await w.api('GET', '/deployments?application=healed');
    return (list.body.items as Json['body'][]).find((d) => d.trigger.type === 'selfheal');
  });
  assert.equal(heal.trigger.actor, agentId, 'queued on the agent’s report');
  const done = await w.settled(heal.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const target = targetOn(done, 'edge');
  assert.equal(target.mode, 'pull');
  assert.equal(await replicas('healed'), 1, 'kubectl’s change is taken back');
  await agent.waitForLog(
    (l) => l.msg === 'job claimed' && l.application === 'healed' && l.epoch !== undefined,
    'the agent ran the self-heal',
  );

  // The next check finds the cluster back in line and says so.
  const healed = await waitFor('drift resolved on healed', async () => {
    const s = await w.status('healed', 'edge');
    return s.drift === null && s.lastApplied?.deploymentId === heal.id ? s : undefined;
  });
  assert.equal(healed.sync, 'synced');
  const app = await w.api('GET', '/applications/healed');
  const types = (await listAuditEvents(w.db, { applicationId: app.body.id as string, limit: 100 })).items
    .map((e) => e.type)
    .filter((x) => x.startsWith('application.drift'))
    .reverse();
  assert.deepEqual(types.slice(0, 2), ['application.drift_detected', 'application.drift_resolved']);
});

test("isolation: an agent sees and reports only its own cluster's applications", async (t) => {
  const w = await startWorld(t);
  const edge = await w.pullCluster('edge');
  const other = await w.pullCluster('other');
  await w.createApp({ name: 'edge-only', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  await w.agent(edge);
  const d = await w.deploy('edge-only');
  assert.equal((await w.settled(d.id as string)).status, 'succeeded');

  // Other's agent, registered over HTTP: its credential is all it has.
  const reg = await fetch(`${w.apiUrl}/agent/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bootstrapToken: other.bootstrapToken }),
  });
  assert.equal(reg.status, 201);
  const { credential } = (await reg.json()) as { credential: string };
  const asOther = (method: string, path: string, body?: object) =>
    fetch(`${w.apiUrl}/agent/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const desired = await asOther('GET', 'desired');
  assert.equal(desired.status, 200);
  assert.deepEqual(await desired.json(), { items: [] });
  const report = { application: 'edge-only', sha: w.sha, drift: [], health: 'healthy' };
  assert.equal((await asOther('POST', 'observations', report)).status, 404);
  assert.equal((await asOther('POST', 'diffs/req_0000000000nosuchrequest', { objects: [] })).status, 404);
  assert.equal((await w.status('edge-only', 'edge')).checkedAt, null, 'nothing was recorded');
});
