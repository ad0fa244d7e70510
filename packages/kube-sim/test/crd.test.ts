// CustomResourceDefinitions: applying one serves its resources (discovery included), deleting
// it removes them; kubectl works with the new kind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { api, eventually, startTestSim, type TestSim } from './sim-support.ts';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        ],
      },
    ],
  },
};

const widget = (name: string, size: number) => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, labels: { kind: 'demo' } },
  spec: { size },
  status: { phase: 'ignored' },
});

describe('CustomResourceDefinitions', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim();
  });
  after(async () => {
    await t.close();
  });

  it('serves nothing for the group before the CRD exists', async () => {
    assert.equal((await api(t.sim, '/apis/example.com/v1')).status, 404);
    assert.equal((await api(t.sim, '/apis/example.com/v1/namespaces/default/widgets')).status, 404);
  });

  it('rejects an invalid CRD with 422', async () => {
    const bad = { ...crd, metadata: { name: 'wrong.example.com' } };
    const res = await api(t.sim, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      method: 'POST',
      body: bad,
    });
    assert.equal(res.status, 422);
    assert.match(res.json().message, /must be spec.names.plural\+"."\+spec.group/);
  });

  it('serves the custom resources once the CRD is applied (kubectl included)', async () => {
    await t.kubectl(['apply', '--server-side', '-f', '-'], { input: stringify(crd) });
    const stored = (
      await api(t.sim, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')
    ).json();
    const established = stored.status.conditions.find((c: { type: string }) => c.type === 'Established');
    assert.equal(established.status, 'True');

    const resources = (await api(t.sim, '/apis/example.com/v1')).json();
    assert.equal(resources.kind, 'APIResourceList');
    const widgets = resources.resources.find((r: { name: string }) => r.name === 'widgets');
    assert.equal(widgets.kind, 'Widget');
    assert.deepEqual(widgets.shortNames, ['wd']);
    assert.ok(resources.resources.some((r: { name: string }) => r.name === 'widgets/status'));

    const applied = await t.kubectl(['apply', '--server-side', '-f', '-'], {
      input: `${stringify(widget('w1', 1))}---\n${stringify(widget('w2', 2))}`,
    });
    assert.match(applied.stdout, /widget\.example\.com\/w1 serverside-applied/);
    const table = await t.kubectl(['get', 'widgets']);
    assert.match(table.stdout, /^NAME\s+SIZE\s+READY$/m);
    assert.match(table.stdout, /^w2\s+2\s+<none>$/m);
    const list = await t.kubectl(['get', 'wd', '-o', 'name']);
    assert.deepEqual(list.stdout.trim().split('\n'), ['widget.example.com/w1', 'widget.example.com/w2']);
    const diff = await t.kubectl(['diff', '--server-side', '-f', '-'], {
      input: stringify(widget('w1', 1)),
      allowFail: true,
    });
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);

    const w1 = (await api(t.sim, '/apis/example.com/v1/namespaces/default/widgets/w1')).json();
    assert.equal(w1.status, undefined, 'status is a subresource: ignored on the main resource');
    assert.equal(w1.metadata.generation, 1);
    const patched = await t.kubectl([
      'patch',
      'widget',
      'w1',
      '--type',
      'merge',
      '-p',
      '{"spec":{"size":5}}',
    ]);
    assert.match(patched.stdout, /patched/);
    const w1b = (await api(t.sim, '/apis/example.com/v1/namespaces/default/widgets/w1')).json();
    assert.equal(w1b.metadata.generation, 2);
    const smp = await api(t.sim, '/apis/example.com/v1/namespaces/default/widgets/w1', {
      method: 'PATCH',
      body: { spec: { size: 6 } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.equal(smp.status, 415);
    const wrongKind = await api(t.sim, '/apis/example.com/v1/namespaces/default/widgets', {
      method: 'POST',
      body: { ...widget('w3', 3), kind: 'Gadget' },
    });
    assert.equal(wrongKind.status, 422);
    assert.match(wrongKind.json().message, /kind: Invalid value: "Gadget": must be Widget/);
  });

  it('removes the custom resources and their discovery when the CRD is deleted', async () => {
    await t.kubectl(['delete', 'crd', 'widgets.example.com']);
    await eventually(
      'the CRD to be gone',
      async () =>
        (await api(t.sim, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'))
          .status === 404,
    );
    assert.equal((await api(t.sim, '/apis/example.com/v1')).status, 404);
    const groups = (await api(t.sim, '/apis')).json();
    assert.ok(!groups.groups.some((g: { name: string }) => g.name === 'example.com'));
    // Re-creating the CRD does not bring the old objects back.
    await t.kubectl(['apply', '--server-side', '-f', '-'], { input: stringify(crd) });
    const list = (await api(t.sim, '/apis/example.com/v1/widgets')).json();
    assert.deepEqual(list.items, []);
  });
});
