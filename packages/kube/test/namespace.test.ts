import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APPLICATION_LABEL,
  applyBundle,
  ensureNamespace,
  inventoryOf,
  isKubeError,
  MANAGED_BY_LABEL,
  planPrune,
} from '../src/index.ts';
import { logger, withSim } from './helpers.ts';

const nsRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });

test('ensureNamespace: a missing namespace fails with namespace_not_found unless asked to create it', async () => {
  await withSim(async ({ client }) => {
    await assert.rejects(ensureNamespace({ client, name: 'shop', create: false }), (err) => {
      assert.ok(isKubeError(err));
      assert.equal(err.code, 'namespace_not_found');
      assert.equal(err.transient, false);
      assert.match(err.message, /namespace "shop" does not exist/);
      assert.equal(err.details.namespace, 'shop');
      return true;
    });
    assert.equal(await client.get(nsRef('shop')), undefined);

    assert.deepEqual(await ensureNamespace({ client, name: 'shop', create: true }), { created: true });
    const live = await client.get(nsRef('shop'));
    assert.equal(live?.metadata.labels?.[MANAGED_BY_LABEL], 'tether');
    assert.equal(live?.metadata.labels?.[APPLICATION_LABEL], undefined, 'no application owns it');
    assert.deepEqual(await ensureNamespace({ client, name: 'shop', create: true }), { created: false });
    assert.deepEqual(await ensureNamespace({ client, name: 'shop', create: false }), { created: false });

    // Applications applying into it never prune it.
    const res = await applyBundle({
      client,
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: {} }],
      application: 'shop',
      destinationNamespace: 'shop',
      logger,
    });
    assert.equal(res.ok, true, res.error?.message);
    const plan = await planPrune({
      client,
      application: 'shop',
      destinationNamespace: 'shop',
      inventory: [
        { key: '/Namespace//shop', apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
        ...inventoryOf(res.results),
      ],
      desired: [],
    });
    assert.deepEqual(
      plan.prune.map((c) => c.ref.kind),
      ['ConfigMap'],
    );
    assert.match(plan.skipped[0]?.reason ?? '', /no tether\.dev\/application label/);
  });
});

test('ensureNamespace: cancelled before it reaches the cluster', async () => {
  await withSim(async ({ client }) => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(ensureNamespace({ client, name: 'x', create: true, signal: controller.signal }), {
      code: 'cancelled',
    });
    assert.equal(await client.get(nsRef('x')), undefined);
  });
});
