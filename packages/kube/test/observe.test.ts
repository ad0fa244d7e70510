import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyBundle, observeBundle, waitHealthy } from '../src/index.ts';
import { corpusApp, createNamespace, logger, withSim, writeAs } from './helpers.ts';

const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'guestbook-ui' };
const serviceRef = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'guestbook-ui' };

test('observeBundle: drift (changed and missing objects) and the workloads’ health, in the recorded form', async () => {
  const app = await corpusApp('guestbook');
  try {
    await withSim(async ({ sim, client }) => {
      await createNamespace(client, 'shop');
      const objects = await app.render();
      const input = { client, objects, application: 'guestbook', destinationNamespace: 'shop' };
      const applied = await applyBundle({ ...input, logger });
      assert.equal(applied.ok, true, applied.error?.message);
      const ready = await waitHealthy({ client, objects: applied.results, timeoutMs: 30_000, pollMs: 50 });
      assert.equal(ready.healthy, true, ready.error?.message);

      assert.deepEqual(await observeBundle(input), {
        drift: [],
        health: 'healthy',
        healthReason: null,
        checked: 2,
      });

      await writeAs(
        sim,
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/guestbook-ui',
        { spec: { replicas: 5 } },
        'kubectl',
      );
      await client.delete(serviceRef);
      const seen = await observeBundle(input);
      assert.deepEqual(seen.drift, [
        { ...deploymentRef, changes: [{ path: 'spec.replicas', from: 5, to: 1 }] },
        { ...serviceRef, changes: [], missing: true },
      ]);
      assert.equal(seen.checked, 1);

      await client.delete(deploymentRef);
      const gone = await observeBundle(input);
      assert.equal(gone.health, 'degraded');
      assert.equal(gone.healthReason, 'Deployment/guestbook-ui: missing');
      assert.deepEqual(
        gone.drift.map((d) => [d.kind, d.missing]),
        [
          ['Service', true],
          ['Deployment', true],
        ],
      );
    });
  } finally {
    await app.remove();
  }
});
