// POST /applications/{name}/diff on a pull cluster, answered by its agent (a real process) with a
// server-side apply dry-run of its own cluster: the same answer a push cluster in the same state
// gives. A pull cluster without an agent says agent_unavailable; the rest of the answer stands.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORPUS, type Json, startWorld, targetOn } from './helpers.ts';

const configMap = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ${data}\n`;

test('pull diff: the agent answers create, change (fields), prune and unchanged like a push cluster; no agent → agent_unavailable', async (t) => {
  const w = await startWorld(t);
  const manifest = await readFile(join(CORPUS, 'manifests/guestbook/guestbook-ui-deployment.yaml'), 'utf8');
  await w.repo.write('guestbook/old.yaml', configMap('old', 'a: "1"'));
  const v1 = await w.repo.commit('v1');
  await w.repo.write(
    'guestbook/guestbook-ui-deployment.yaml',
    manifest.replace('replicas: 1', 'replicas: 2'),
  );
  await w.repo.remove('guestbook/old.yaml');
  await w.repo.write('guestbook/new.yaml', configMap('new', 'b: "2"'));
  const v2 = await w.repo.commit('v2');

  const edge = await w.pullCluster('edge');
  await w.pullCluster('dark');
  await w.pushCluster('hub');
  await w.startWorker();
  await w.createApp({
    name: 'guestbook',
    path: 'guestbook',
    clusters: ['edge', 'dark', 'hub'],
    namespace: 'guestbook',
    prune: true,
  });
  const agent = await w.agent(edge);
  const dep = await w.api('POST', '/applications/guestbook/deployments', { revision: v1 });
  assert.equal(dep.status, 202, JSON.stringify(dep.body));
  // dark has no agent: its target stays queued.
  await w.waitDeployment(
    dep.body.id as string,
    'edge and hub applied',
    (d) => targetOn(d, 'edge').status === 'succeeded' && targetOn(d, 'hub').status === 'succeeded',
  );

  const diff = async (revision: string) => {
    const res = await w.api('POST', '/applications/guestbook/diff', { revision });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const by = (cluster: string): Json['body'] => {
      const c = (res.body.clusters as Json['body'][]).find((x) => x.cluster === cluster);
      assert.ok(c, `no ${cluster} in ${JSON.stringify(res.body)}`);
      return c;
    };
    return { res, edge: by('edge'), dark: by('dark'), hub: by('hub') };
  };

  const next = await diff(v2);
  assert.equal(next.res.body.revision.sha, v2);
  assert.equal(next.edge.mode, 'pull');
  assert.ok(next.edge.objects, JSON.stringify(next.edge));
  const objects = Object.fromEntries(
    (next.edge.objects as Json['body'][]).map((o) => [`${o.kind}/${o.name}`, o]),
  );
  assert.equal(objects['ConfigMap/new']?.action, 'create');
  assert.equal(objects['ConfigMap/old']?.action, 'prune');
  assert.equal(objects['Service/guestbook-ui']?.action, 'unchanged');
  const deployment = objects['Deployment/guestbook-ui'];
  assert.equal(deployment?.action, 'change');
  assert.deepEqual(deployment?.changes, [{ path: 'spec.replicas', from: 1, to: 2 }]);
  assert.deepEqual(next.edge.objects, next.hub.objects, 'the pull answer is the push answer');
  assert.equal(next.dark.error.code, 'agent_unavailable');
  assert.equal(next.dark.objects, undefined);
  // A diff changes nothing.
  const cm = await w
    .kube('edge')
    .get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'guestbook', name: 'new' });
  assert.equal(cm, undefined);
  const answered = await agent.waitForLog((l) => l.msg === 'diff answered', 'the agent answered');
  assert.equal(answered.application, 'guestbook');

  const same = await diff(v1);
  assert.ok(
    (same.edge.objects as Json['body'][]).every((o) => o.action === 'unchanged'),
    JSON.stringify(same.edge.objects),
  );
});

test('pull diff: answered while the agent is busy with a job (its diff-only claim)', async (t) => {
  // Workloads take long to become ready: the agent sits in the job's health wait.
  const w = await startWorld(t, { readyDelayMs: 25_000 });
  const edge = await w.pullCluster('edge');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge'], namespace: 'web' });
  const agent = await w.agent(edge);
  const d = await w.deploy('guestbook');
  await agent.waitForLog((l) => l.msg === 'job claimed' && l.application === 'guestbook', 'the job');
  await w.waitDeployment(d.id as string, 'running', (x) => targetOn(x, 'edge').status === 'running');

  const res = await w.api('POST', '/applications/guestbook/diff', {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const [edgeDiff] = res.body.clusters as Json['body'][];
  assert.ok(edgeDiff && edgeDiff.error === undefined, JSON.stringify(edgeDiff));
  assert.deepEqual(
    (edgeDiff.objects as Json['body'][]).map((o) => `${o.kind}/${o.name}:${o.action}`),
    ['Service/guestbook-ui:unchanged', 'Deployment/guestbook-ui:unchanged'],
  );
  assert.equal(targetOn(await w.deployment(d.id as string), 'edge').status, 'running', 'the job still runs');
  assert.equal(agent.lines().filter((l) => l.msg === 'job ended').length, 0);
});
