// Snapshots: state (objects, resourceVersions, CRDs, virtual clusters) survives a restart.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { api, corpus, startTestSim, type TestSim } from './sim-support.ts';

describe('snapshot round trip', () => {
  let t: TestSim;
  let file: string;
  before(async () => {
    t = await startTestSim({ clusters: ['east'] });
    file = join(t.dir, 'state.json');
  });
  after(async () => {
    await t.close();
  });

  it('restores objects, resourceVersions, CRDs and clusters', async () => {
    const first = await startTestSim({ snapshotFile: file, clusters: ['east'], snapshotIntervalMs: 0 });
    let before: { items: Array<{ metadata: { name: string; resourceVersion: string; uid: string } }> };
    let rv: string;
    try {
      await first.kubectl(['apply', '--server-side', '-f', join(corpus, 'guestbook')]);
      await first.kubectl(['apply', '--server-side', '-f', '-'], {
        input: stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'gizmos.example.org' },
          spec: {
            group: 'example.org',
            scope: 'Cluster',
            names: { plural: 'gizmos', kind: 'Gizmo' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            ],
          },
        }),
      });
      await api(first.sim, '/apis/example.org/v1/gizmos', {
        method: 'POST',
        body: { apiVersion: 'example.org/v1', kind: 'Gizmo', metadata: { name: 'g1' }, spec: { x: 1 } },
      });
      const east = first.sim.cluster('east');
      assert.ok(east);
      await api(east, '/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-east' } },
      });
      before = (await api(first.sim, '/apis/apps/v1/deployments')).json();
      rv = before.items[0]?.metadata.resourceVersion ?? '';
    } finally {
      await first.close();
    }
    assert.ok(existsSync(file));

    const second = await startTestSim({ snapshotFile: file, snapshotIntervalMs: 0 });
    try {
      const after = (await api(second.sim, '/apis/apps/v1/deployments')).json();
      assert.equal(after.items[0]?.metadata.uid, before.items[0]?.metadata.uid);
      assert.equal(after.items[0]?.metadata.resourceVersion, rv);
      const diff = await second.kubectl(['diff', '--server-side', '-f', join(corpus, 'guestbook')], {
        allowFail: true,
      });
      assert.equal(diff.code, 0, diff.stdout + diff.stderr);
      assert.equal((await api(second.sim, '/apis/example.org/v1/gizmos/g1')).json().spec.x, 1);
      const east = second.sim.cluster('east');
      assert.ok(east, 'clusters from the snapshot are hosted again');
      assert.equal((await api(east, '/api/v1/namespaces/default/configmaps/only-east')).status, 200);
      const created = await api(second.sim, '/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } },
      });
      assert.ok(Number(created.json().metadata.resourceVersion) > Number(rv));
    } finally {
      await second.close();
    }
  });
});
