// The status simulation: rollouts become ready after the configured delay, `:fail` images never
// do and hit their progress deadline, Jobs complete or fail; every change is a watch event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, collectWatch, eventually, startTestSim, type TestSim } from './sim-support.ts';

const NS = '/apis/apps/v1/namespaces/default';

function workload(kind: string, name: string, image: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...extra,
    },
  };
}

function job(name: string, image: string) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 1,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } },
    },
  };
}

type Cond = { type: string; status: string; reason: string };
const cond = (obj: { status?: { conditions?: Cond[] } }, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);

describe('status simulation with a ready delay', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({ readyDelayMs: 300 });
  });
  after(async () => {
    await t.close();
  });

  it('reports a rollout in progress, then complete, with watch events for each change', async () => {
    const start = (await api(t.sim, `${NS}/deployments`)).json().metadata.resourceVersion;
    const created = await api(t.sim, `${NS}/deployments`, {
      method: 'POST',
      body: workload('Deployment', 'web', 'nginx:1.27'),
    });
    assert.equal(created.status, 201);
    const ready = await eventually('web to become available', async () => {
      const d = (await api(t.sim, `${NS}/deployments/web`)).json();
      return d.status.availableReplicas === 2 ? d : undefined;
    });
    assert.equal(ready.status.readyReplicas, 2);
    assert.equal(ready.status.updatedReplicas, 2);
    assert.equal(cond(ready, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(cond(ready, 'Progressing')?.reason, 'NewReplicaSetAvailable');

    // The history shows the whole rollout, whatever the timing of the reads above.
    const events = await collectWatch(t.sim, `${NS}/deployments?watch=true&resourceVersion=${start}`, (e) =>
      e.some((x) => x.object.status?.availableReplicas === 2),
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'MODIFIED'],
    );
    const [added, progressing, done] = events.map((e) => e.object);
    assert.deepEqual(added.status, {});
    assert.equal(progressing.status.observedGeneration, 1);
    assert.equal(progressing.status.readyReplicas, undefined);
    assert.equal(cond(progressing, 'Available')?.status, 'False');
    assert.equal(cond(progressing, 'Progressing')?.reason, 'ReplicaSetUpdated');
    assert.equal(cond(done, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.ok(Number(done.metadata.resourceVersion) > Number(progressing.metadata.resourceVersion));
  });

  it('never readies a :fail image and reports ProgressDeadlineExceeded after progressDeadlineSeconds', async () => {
    await api(t.sim, `${NS}/deployments`, {
      method: 'POST',
      body: workload('Deployment', 'broken', 'nginx:fail', { progressDeadlineSeconds: 1 }),
    });
    const failed = await eventually('the progress deadline', async () => {
      const d = (await api(t.sim, `${NS}/deployments/broken`)).json();
      return cond(d, 'Progressing')?.status === 'False' ? d : undefined;
    });
    assert.equal(cond(failed, 'Progressing')?.reason, 'ProgressDeadlineExceeded');
    assert.equal(cond(failed, 'Available')?.status, 'False');
    assert.equal(failed.status.availableReplicas, undefined);
    assert.equal(failed.status.unavailableReplicas, 2);
  });

  it('readies StatefulSets, DaemonSets and ReplicaSets', async () => {
    for (const kind of ['StatefulSet', 'DaemonSet', 'ReplicaSet']) {
      const res = await api(t.sim, `${NS}/${kind.toLowerCase()}s`, {
        method: 'POST',
        body: workload(
          kind,
          `w-${kind.toLowerCase()}`,
          'busybox:1.36',
          kind === 'StatefulSet' ? { serviceName: 'x' } : {},
        ),
      });
      assert.equal(res.status, 201, res.text);
    }
    await eventually(
      'the StatefulSet',
      async () => (await api(t.sim, `${NS}/statefulsets/w-statefulset`)).json().status.readyReplicas === 2,
    );
    await eventually(
      'the DaemonSet',
      async () => (await api(t.sim, `${NS}/daemonsets/w-daemonset`)).json().status.numberReady === 1,
    );
    await eventually(
      'the ReplicaSet',
      async () => (await api(t.sim, `${NS}/replicasets/w-replicaset`)).json().status.readyReplicas === 2,
    );
  });

  it('completes Jobs, and fails them for :fail images', async () => {
    const JOBS = '/apis/batch/v1/namespaces/default/jobs';
    assert.equal((await api(t.sim, JOBS, { method: 'POST', body: job('ok', 'busybox:1.36') })).status, 201);
    assert.equal((await api(t.sim, JOBS, { method: 'POST', body: job('bad', 'busybox:fail') })).status, 201);
    const ok = await eventually('the job to complete', async () => {
      const j = (await api(t.sim, `${JOBS}/ok`)).json();
      return cond(j, 'Complete')?.status === 'True' ? j : undefined;
    });
    assert.equal(ok.status.succeeded, 1);
    assert.ok(ok.status.completionTime);
    const bad = await eventually('the job to fail', async () => {
      const j = (await api(t.sim, `${JOBS}/bad`)).json();
      return cond(j, 'Failed')?.status === 'True' ? j : undefined;
    });
    assert.equal(cond(bad, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(bad.status.succeeded, undefined);
  });

  it('assigns LoadBalancer services an ingress address, also when the type changes later', async () => {
    const SVCS = '/api/v1/namespaces/default/services';
    const svc = (name: string, type: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { type, selector: { app: name }, ports: [{ port: 80 }] },
    });
    await api(t.sim, SVCS, { method: 'POST', body: svc('lb', 'LoadBalancer') });
    const lb = (await api(t.sim, `${SVCS}/lb`)).json();
    assert.match(lb.status.loadBalancer.ingress[0].ip, /^172\.18\.255\.\d+$/);
    assert.ok(lb.spec.ports[0].nodePort >= 30000);
    await api(t.sim, SVCS, { method: 'POST', body: svc('plain', 'ClusterIP') });
    assert.deepEqual((await api(t.sim, `${SVCS}/plain`)).json().status, { loadBalancer: {} });
    await api(t.sim, `${SVCS}/plain`, {
      method: 'PATCH',
      body: { spec: { type: 'LoadBalancer' } },
      contentType: 'application/merge-patch+json',
    });
    assert.ok((await api(t.sim, `${SVCS}/plain`)).json().status.loadBalancer.ingress);
  });

  it('works with kubectl rollout status', async () => {
    await api(t.sim, `${NS}/deployments`, {
      method: 'POST',
      body: workload('Deployment', 'rolled', 'nginx:1.27'),
    });
    const out = await t.kubectl(['rollout', 'status', 'deployment/rolled', '--timeout=30s']);
    assert.match(out.stdout, /successfully rolled out/);
  });
});

describe('status simulation without delay', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim();
  });
  after(async () => {
    await t.close();
  });

  it('is ready right after the write, and a new generation is observed', async () => {
    await api(t.sim, `${NS}/deployments`, {
      method: 'POST',
      body: workload('Deployment', 'now', 'nginx:1.27'),
    });
    const d = (await api(t.sim, `${NS}/deployments/now`)).json();
    assert.equal(d.status.availableReplicas, 2);
    await api(t.sim, `${NS}/deployments/now`, {
      method: 'PATCH',
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    const scaled = (await api(t.sim, `${NS}/deployments/now`)).json();
    assert.equal(scaled.status.observedGeneration, 2);
    assert.equal(scaled.status.availableReplicas, 3);
  });
});
