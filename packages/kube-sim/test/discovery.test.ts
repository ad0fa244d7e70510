// Discovery as clients read it: legacy and aggregated documents, and the OpenAPI v3 index whose
// every document must load (kubectl's field-validation check reads them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestSim, type TestSim } from './sim-support.ts';

const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('discovery', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({ tls: false });
  });
  after(async () => {
    await t.close();
  });

  it('serves legacy discovery', async () => {
    const api1 = (await api(t.sim, '/api')).json();
    assert.equal(api1.kind, 'APIVersions');
    assert.deepEqual(api1.versions, ['v1']);
    const groups = (await api(t.sim, '/apis')).json();
    assert.equal(groups.kind, 'APIGroupList');
    const apps = groups.groups.find((g: { name: string }) => g.name === 'apps');
    assert.deepEqual(apps.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
    const core = (await api(t.sim, '/api/v1')).json();
    const cm = core.resources.find((r: { name: string }) => r.name === 'configmaps');
    assert.deepEqual(cm, {
      name: 'configmaps',
      singularName: 'configmap',
      namespaced: true,
      kind: 'ConfigMap',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['cm'],
    });
    const appsV1 = (await api(t.sim, '/apis/apps/v1')).json();
    const deploy = appsV1.resources.find((r: { name: string }) => r.name === 'deployments');
    assert.deepEqual(deploy.categories, ['all']);
    assert.deepEqual(deploy.shortNames, ['deploy']);
    const scale = appsV1.resources.find((r: { name: string }) => r.name === 'deployments/scale');
    assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
    assert.equal((await api(t.sim, '/apis/apps')).json().kind, 'APIGroup');
  });

  it('serves aggregated discovery with its content type', async () => {
    const res = await api(t.sim, '/apis', { accept: AGGREGATED });
    assert.equal(
      res.headers['content-type'],
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const doc = res.json();
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    const batch = doc.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'batch');
    const jobs = batch.versions[0].resources.find((r: { resource: string }) => r.resource === 'jobs');
    assert.equal(jobs.scope, 'Namespaced');
    assert.deepEqual(jobs.responseKind, { group: 'batch', version: 'v1', kind: 'Job' });
    const core = (await api(t.sim, '/api', { accept: AGGREGATED })).json();
    assert.equal(core.items[0].metadata.name, '');
    assert.ok(core.items[0].versions[0].resources.some((r: { resource: string }) => r.resource === 'pods'));
  });

  it('lists OpenAPI v3 documents that all load and advertise fieldValidation on PATCH', async () => {
    const root = (await api(t.sim, '/openapi/v3')).json();
    const paths = Object.entries(root.paths) as Array<[string, { serverRelativeURL: string }]>;
    assert.ok(paths.length > 10);
    for (const [, entry] of paths) {
      const res = await api(t.sim, entry.serverRelativeURL);
      assert.equal(res.status, 200, entry.serverRelativeURL);
    }
    const apps = (await api(t.sim, root.paths['apis/apps/v1'].serverRelativeURL)).json();
    const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    assert.ok(
      patch.parameters.some(
        (p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query',
      ),
    );
  });

  it('answers /version and health checks', async () => {
    const v = (await api(t.sim, '/version')).json();
    assert.equal(v.major, '1');
    assert.equal(v.minor, '32');
    for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await api(t.sim, p)).text, 'ok');
  });
});
