// The optional workload controllers: ReplicaSets and Pods for Deployments, Pods for
// StatefulSets, DaemonSets and Jobs, rollouts that replace them, and garbage collection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, eventually, startTestSim, type TestSim } from './sim-support.ts';

const APPS = '/apis/apps/v1/namespaces/default';
const PODS = '/api/v1/namespaces/default/pods';

function workload(kind: string, name: string, replicas: number, image = 'nginx:1.27') {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

describe('simulated pods', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({ simulatePods: true });
  });
  after(async () => {
    await t.close();
  });

  const podNames = async (selector: string) =>
    (await api(t.sim, `${PODS}?labelSelector=${encodeURIComponent(selector)}`))
      .json()
      .items.map((p: { metadata: { name: string } }) => p.metadata.name)
      .sort();

  it('runs a Deployment through a ReplicaSet and rolls it out to a new one', async () => {
    await api(t.sim, `${APPS}/deployments`, { method: 'POST', body: workload('Deployment', 'web', 3) });
    const rs = (await api(t.sim, `${APPS}/replicasets?labelSelector=app%3Dweb`)).json().items;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].metadata.ownerReferences[0].kind, 'Deployment');
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
    const hash = rs[0].metadata.labels['pod-template-hash'];
    const pods = await podNames('app=web');
    assert.equal(pods.length, 3);
    for (const p of pods) assert.match(p, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
    const pod = (await api(t.sim, `${PODS}/${pods[0]}`)).json();
    assert.equal(pod.status.phase, 'Running');
    assert.equal(pod.metadata.ownerReferences[0].name, rs[0].metadata.name);

    await api(t.sim, `${APPS}/deployments/web`, {
      method: 'PATCH',
      body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    await eventually('the old pods to be replaced', async () => {
      const now = await podNames('app=web');
      return now.length === 3 && now.every((p: string) => !p.startsWith(`web-${hash}-`));
    });
    const deploy = (await api(t.sim, `${APPS}/deployments/web`)).json();
    assert.equal(deploy.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    assert.equal(deploy.metadata.generation, 2);
    const sets = (await api(t.sim, `${APPS}/replicasets?labelSelector=app%3Dweb`)).json().items;
    assert.deepEqual(sets.map((s: { spec: { replicas: number } }) => s.spec.replicas).sort(), [0, 3]);

    await api(t.sim, `${APPS}/deployments/web`, { method: 'DELETE' });
    assert.deepEqual(await podNames('app=web'), []);
    assert.equal((await api(t.sim, `${APPS}/replicasets?labelSelector=app%3Dweb`)).json().items.length, 0);
  });

  it('names StatefulSet pods by ordinal and follows scaling', async () => {
    await api(t.sim, `${APPS}/statefulsets`, { method: 'POST', body: workload('StatefulSet', 'db', 2) });
    assert.deepEqual(await podNames('app=db'), ['db-0', 'db-1']);
    await api(t.sim, `${APPS}/statefulsets/db/scale`, {
      method: 'PATCH',
      body: { spec: { replicas: 1 } },
      contentType: 'application/merge-patch+json',
    });
    assert.deepEqual(await podNames('app=db'), ['db-0']);
  });

  it('has a Ready node the pods run on', async () => {
    const nodes = await t.kubectl(['get', 'nodes']);
    assert.match(nodes.stdout, /^kube-sim-node\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0$/m);
  });

  it('runs one pod per DaemonSet and a pod per Job that completes', async () => {
    await api(t.sim, `${APPS}/daemonsets`, { method: 'POST', body: workload('DaemonSet', 'agent', 1) });
    assert.equal((await podNames('app=agent')).length, 1);
    await api(t.sim, '/apis/batch/v1/namespaces/default/jobs', {
      method: 'POST',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'once' },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
        },
      },
    });
    const [pod] = await podNames('job-name=once');
    assert.ok(pod);
    const done = (await api(t.sim, `${PODS}/${pod}`)).json();
    assert.equal(done.status.phase, 'Succeeded');
    const table = await t.kubectl(['get', 'pods', '-l', 'job-name=once']);
    assert.match(table.stdout, /0\/1\s+Completed/);
  });
});
