// The verbs over raw HTTP: selectors, optimistic concurrency, dryRun, patch types, status and
// scale subresources, generation, finalizers, deletecollection, paging.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestSim, type TestSim } from './sim-support.ts';

const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, labels: Record<string, string>, image = 'nginx:1.27') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

describe('verbs', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim();
    await api(t.sim, '/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } },
    });
    const fixtures: Array<[string, Record<string, string>]> = [
      ['web', { tier: 'front', env: 'prod' }],
      ['api', { tier: 'back', env: 'prod' }],
      ['batch', { tier: 'back', env: 'dev' }],
      ['plain', {}],
    ];
    for (const [name, labels] of fixtures) {
      const res = await api(t.sim, DEPLOYS, { method: 'POST', body: deployment(name, labels) });
      assert.equal(res.status, 201, res.text);
    }
    const other = await api(t.sim, '/apis/apps/v1/namespaces/team-b/deployments', {
      method: 'POST',
      body: deployment('web', { tier: 'front', env: 'dev' }),
    });
    assert.equal(other.status, 201, other.text);
  });
  after(async () => {
    await t.close();
  });

  const names = async (path: string) => {
    const res = await api(t.sim, path);
    assert.equal(res.status, 200, res.text);
    return res
      .json()
      .items.map(
        (i: { metadata: { namespace: string; name: string } }) =>
          `${i.metadata.namespace}/${i.metadata.name}`,
      );
  };

  it('selects by labels (equality and set-based) and by fields, across namespaces', async () => {
    const q = (s: string) => `${DEPLOYS}?labelSelector=${encodeURIComponent(s)}`;
    assert.deepEqual(await names(q('tier=back')), ['default/api', 'default/batch']);
    assert.deepEqual(await names(q('tier==back,env=prod')), ['default/api']);
    assert.deepEqual(await names(q('tier!=back')), ['default/plain', 'default/web']);
    assert.deepEqual(await names(q('env in (dev, staging)')), ['default/batch']);
    assert.deepEqual(await names(q('env notin (dev)')), ['default/api', 'default/plain', 'default/web']);
    assert.deepEqual(await names(q('tier')), ['default/api', 'default/batch', 'default/web']);
    assert.deepEqual(await names(q('!tier')), ['default/plain']);
    assert.deepEqual(await names(`/apis/apps/v1/deployments?labelSelector=tier%3Dfront`), [
      'default/web',
      'team-b/web',
    ]);
    assert.deepEqual(await names(`/apis/apps/v1/deployments?fieldSelector=metadata.namespace%3Dteam-b`), [
      'team-b/web',
    ]);
    assert.deepEqual(
      await names(`/apis/apps/v1/deployments?fieldSelector=metadata.name%3Dweb,metadata.namespace!%3Dteam-b`),
      ['default/web'],
    );
    const list = (await api(t.sim, '/apis/apps/v1/deployments')).json();
    assert.equal(list.kind, 'DeploymentList');
    assert.equal(list.apiVersion, 'apps/v1');
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    const bad = await api(t.sim, `${DEPLOYS}?fieldSelector=spec.replicas%3D2`);
    assert.equal(bad.status, 400);
    const badLabel = await api(t.sim, `${DEPLOYS}?labelSelector=${encodeURIComponent('a in (b')}`);
    assert.equal(badLabel.status, 400);
  });

  it('pages with limit and continue', async () => {
    const first = (await api(t.sim, '/apis/apps/v1/deployments?limit=2')).json();
    assert.equal(first.items.length, 2);
    assert.equal(first.metadata.remainingItemCount, 3);
    const rest = (
      await api(t.sim, `/apis/apps/v1/deployments?limit=10&continue=${first.metadata.continue}`)
    ).json();
    assert.equal(rest.items.length, 3);
    assert.equal(rest.metadata.continue, undefined);
  });

  it('rejects an update with a stale resourceVersion with 409 Conflict', async () => {
    const created = (
      await api(t.sim, CMS, {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } },
      })
    ).json();
    const update = { ...created, data: { v: '2' } };
    const ok = await api(t.sim, `${CMS}/cas`, { method: 'PUT', body: update });
    assert.equal(ok.status, 200);
    assert.ok(Number(ok.json().metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    const stale = await api(t.sim, `${CMS}/cas`, { method: 'PUT', body: { ...created, data: { v: '3' } } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
    assert.equal(
      stale.json().message,
      'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal((await api(t.sim, `${CMS}/cas`)).json().data.v, '2');
  });

  it('stores nothing for dryRun=All', async () => {
    const rvBefore = (await api(t.sim, CMS)).json().metadata.resourceVersion;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: '1' } };
    const created = await api(t.sim, `${CMS}?dryRun=All`, { method: 'POST', body });
    assert.equal(created.status, 201);
    assert.equal(created.json().metadata.name, 'dry');
    assert.equal((await api(t.sim, `${CMS}/dry`)).status, 404);
    const applied = await api(t.sim, `${CMS}/dry?dryRun=All&fieldManager=t`, {
      method: 'PATCH',
      body,
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(applied.status, 201);
    assert.equal((await api(t.sim, `${CMS}/dry`)).status, 404);
    const patched = await api(t.sim, `${CMS}/cas?dryRun=All`, {
      method: 'PATCH',
      body: { data: { v: 'dry' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.json().data.v, 'dry');
    assert.equal((await api(t.sim, `${CMS}/cas`)).json().data.v, '2');
    const deleted = await api(t.sim, `${CMS}/cas?dryRun=All`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await api(t.sim, `${CMS}/cas`)).status, 200);
    assert.equal((await api(t.sim, CMS)).json().metadata.resourceVersion, rvBefore);
  });

  it('creates with generateName', async () => {
    const res = await api(t.sim, CMS, {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } },
    });
    assert.equal(res.status, 201);
    assert.match(res.json().metadata.name, /^gen-[a-z0-9]{5}$/);
  });

  it('patches with merge, JSON and strategic merge patch, recording Update managers', async () => {
    const path = `${DEPLOYS}/web`;
    const merge = await api(t.sim, path, {
      method: 'PATCH',
      body: { metadata: { labels: { extra: 'yes' } } },
      contentType: 'application/merge-patch+json',
      headers: { 'user-agent': 'kubectl-label/v1.32.4 (linux/amd64) kubernetes/abc' },
    });
    assert.equal(merge.status, 200);
    assert.equal(merge.json().metadata.labels.extra, 'yes');
    assert.equal(merge.json().metadata.generation, 1);
    assert.ok(
      merge
        .json()
        .metadata.managedFields.some(
          (m: { manager: string; operation: string }) =>
            m.manager === 'kubectl-label' && m.operation === 'Update',
        ),
    );

    const strategic = await api(t.sim, `${path}?fieldManager=kubectl-edit`, {
      method: 'PATCH',
      body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.equal(strategic.status, 200, strategic.text);
    const containers = strategic.json().spec.template.spec.containers.map((c: { name: string }) => c.name);
    assert.deepEqual(containers.sort(), ['main', 'sidecar']);
    assert.equal(strategic.json().metadata.generation, 2);

    const json = await api(t.sim, path, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/spec/replicas', value: 4 }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(json.json().spec.replicas, 4);
    assert.equal(json.json().metadata.generation, 3);
    const failed = await api(t.sim, path, {
      method: 'PATCH',
      body: [{ op: 'test', path: '/spec/replicas', value: 9 }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(failed.status, 422);
  });

  it('names an Update manager and its apiVersion in an apply conflict', async () => {
    const path = `${DEPLOYS}/api`;
    await api(t.sim, `${path}?fieldManager=kubectl-edit`, {
      method: 'PATCH',
      body: { spec: { replicas: 5 } },
      contentType: 'application/merge-patch+json',
    });
    const res = await api(t.sim, `${path}?fieldManager=gitops`, {
      method: 'PATCH',
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 1 } },
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(res.status, 409);
    const status = res.json();
    assert.equal(status.reason, 'Conflict');
    assert.equal(
      status.message,
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
    );
    assert.deepEqual(status.details.causes, [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-edit" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
    const forced = await api(t.sim, `${path}?fieldManager=gitops&force=true`, {
      method: 'PATCH',
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 2 } },
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(forced.status, 200);
    assert.equal(forced.json().spec.replicas, 2);
  });

  it('ignores status written through the main resource; /status writes only status', async () => {
    const path = `${DEPLOYS}/api`;
    const live = (await api(t.sim, path)).json();
    const put = await api(t.sim, path, { method: 'PUT', body: { ...live, status: { replicas: 99 } } });
    assert.equal(put.status, 200);
    assert.notEqual(put.json().status.replicas, 99);
    const statusPatch = await api(t.sim, `${path}/status`, {
      method: 'PATCH',
      body: { spec: { replicas: 7 }, status: { replicas: 99 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(statusPatch.status, 200, statusPatch.text);
    assert.equal(statusPatch.json().status.replicas, 99);
    assert.equal(statusPatch.json().spec.replicas, 2);
    const got = await api(t.sim, `${path}/status`);
    assert.equal(got.json().status.replicas, 99);
  });

  it('bumps generation on spec changes only', async () => {
    const path = `${DEPLOYS}/batch`;
    const live = (await api(t.sim, path)).json();
    const labelled = await api(t.sim, path, {
      method: 'PATCH',
      body: { metadata: { labels: { more: 'x' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(labelled.json().metadata.generation, live.metadata.generation);
    const spec = await api(t.sim, path, {
      method: 'PATCH',
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(spec.json().metadata.generation, live.metadata.generation + 1);
  });

  it('serves the scale subresource', async () => {
    const scale = await api(t.sim, `${DEPLOYS}/plain/scale`);
    assert.equal(scale.json().kind, 'Scale');
    assert.equal(scale.json().spec.replicas, 2);
    const patched = await api(t.sim, `${DEPLOYS}/plain/scale`, {
      method: 'PATCH',
      body: { spec: { replicas: 5 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.json().spec.replicas, 5);
    assert.equal((await api(t.sim, `${DEPLOYS}/plain`)).json().spec.replicas, 5);
  });

  it('deletes: a Status for most kinds, the object for pods, finalizers hold the object', async () => {
    const del = await api(t.sim, `${DEPLOYS}/plain`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(del.json().kind, 'Status');
    assert.equal(del.json().status, 'Success');
    assert.deepEqual(
      { ...del.json().details, uid: undefined },
      { name: 'plain', group: 'apps', kind: 'deployments', uid: undefined },
    );

    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    assert.equal(
      (await api(t.sim, '/api/v1/namespaces/default/pods', { method: 'POST', body: pod })).status,
      201,
    );
    const podDel = await api(t.sim, '/api/v1/namespaces/default/pods/p', { method: 'DELETE' });
    assert.equal(podDel.json().kind, 'Pod');

    const held = await api(t.sim, CMS, {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', finalizers: ['example.com/hold'] },
      },
    });
    assert.equal(held.status, 201);
    const first = await api(t.sim, `${CMS}/held`, { method: 'DELETE' });
    assert.equal(first.json().kind, 'ConfigMap');
    assert.ok(first.json().metadata.deletionTimestamp);
    assert.equal((await api(t.sim, `${CMS}/held`)).status, 200);
    const release = await api(t.sim, `${CMS}/held`, {
      method: 'PATCH',
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(release.status, 200);
    assert.equal((await api(t.sim, `${CMS}/held`)).status, 404);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['c1', 'c2', 'c3']) {
      await api(t.sim, CMS, {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, labels: { batch: name === 'c3' ? 'keep' : 'drop' } },
        },
      });
    }
    const res = await api(t.sim, `${CMS}?labelSelector=batch%3Ddrop`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(res.json().items.length, 2);
    assert.deepEqual(await names(`${CMS}?labelSelector=batch`), ['default/c3']);
  });

  it('turns Secret stringData into data', async () => {
    const res = await api(t.sim, '/api/v1/namespaces/default/secrets', {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        stringData: { password: 'hunter2' },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.json().data.password, Buffer.from('hunter2').toString('base64'));
    assert.equal(res.json().stringData, undefined);
    assert.equal(res.json().type, 'Opaque');
  });

  it('garbage-collects dependents of a deleted owner', async () => {
    const owner = (
      await api(t.sim, CMS, {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
      })
    ).json();
    await api(t.sim, CMS, {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
      },
    });
    await api(t.sim, `${CMS}/owner`, { method: 'DELETE' });
    assert.equal((await api(t.sim, `${CMS}/dependent`)).status, 404);
  });
});
