import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startKubeSim } from '@tether/kube-sim';
import {
  applyBundle,
  type ClusterConnection,
  connectCluster,
  isKubeError,
  isTransientKubeError,
  type KubeClient,
  type KubeError,
} from '../src/index.ts';
import { closedPort, createNamespace, logger, silentServer, TOKEN, withSim } from './helpers.ts';

async function failure(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isKubeError(err), `a KubeError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

async function withClient(conn: ClusterConnection, fn: (c: KubeClient) => Promise<void>, timeoutMs?: number) {
  const client = connectCluster(conn, { logger, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  try {
    await fn(client);
  } finally {
    await client.close();
  }
}

const cm = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'one', namespace: 'default' },
  data: { a: '1' },
};

test('get, apply, list and delete through the client', async () => {
  await withSim(async ({ client }) => {
    const resources = await client.discover();
    const deployments = resources.find((r) => r.kind === 'Deployment' && r.apiVersion === 'apps/v1');
    assert.deepEqual(
      deployments && {
        plural: deployments.plural,
        namespaced: deployments.namespaced,
        group: deployments.group,
      },
      { plural: 'deployments', namespaced: true, group: 'apps' },
    );
    assert.equal(resources.find((r) => r.kind === 'Namespace')?.namespaced, false);
    assert.ok(!resources.some((r) => r.plural.includes('/')), 'no subresources');

    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' }),
      undefined,
    );
    const dry = await client.apply(cm, { fieldManager: 'test', dryRun: true });
    assert.equal(dry.metadata.name, 'one');
    assert.equal(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' }),
      undefined,
    );

    const applied = await client.apply(cm, { fieldManager: 'test' });
    assert.ok(applied.metadata.resourceVersion);
    const got = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' });
    assert.equal(got?.metadata.uid, applied.metadata.uid);
    await client.apply(
      { ...cm, metadata: { name: 'two', namespace: 'default', labels: { pick: 'me' } } },
      { fieldManager: 'test' },
    );
    const all = await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' });
    assert.deepEqual(all.map((o) => o.metadata.name).sort(), ['one', 'two']);
    assert.ok(all.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap'));
    const picked = await client.list({ apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'pick=me' });
    assert.deepEqual(
      picked.map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
      ['default/two'],
    );

    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' };
    assert.equal(await client.delete(ref, { propagationPolicy: 'Background' }), true);
    assert.equal(await client.get(ref), undefined);
    assert.equal(await client.delete(ref), false);

    const unknown = await failure(
      client.get({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', namespace: 'x' }),
    );
    assert.equal(unknown.code, 'unknown_kind');
    assert.equal(unknown.transient, false);
    const noNs = await failure(client.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }));
    assert.equal(noNs.code, 'invalid_object');
  });
});

test('an unreachable cluster: cluster_unreachable, transient', async () => {
  const port = await closedPort();
  await withClient({ server: `http://127.0.0.1:${port}`, insecureSkipTLSVerify: true }, async (client) => {
    const err = await failure(client.discover());
    assert.equal(err.code, 'cluster_unreachable');
    assert.equal(err.transient, true);
    assert.equal(isTransientKubeError(err), true);
    assert.equal(err.details.errno, 'ECONNREFUSED');
    assert.equal(err.status, undefined);

    const res = await applyBundle({
      client,
      objects: [cm],
      application: 'a',
      destinationNamespace: 'default',
      logger,
    });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'cluster_unreachable');
    assert.deepEqual(res.results, []);
    assert.equal(res.notAttempted.length, 1);
  });
});

test('a wrong token: cluster_unauthorized, permanent', async () => {
  await withSim(async ({ sim }) => {
    await withClient({ server: sim.url, token: 'wrong', insecureSkipTLSVerify: true }, async (client) => {
      const err = await failure(client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));
      assert.equal(err.code, 'cluster_unauthorized');
      assert.equal(err.status, 401);
      assert.equal(err.transient, false);
      assert.ok(!err.message.includes('wrong'), 'the token is not in the message');
    });
    await withClient({ server: sim.url, insecureSkipTLSVerify: true }, async (client) => {
      assert.equal((await failure(client.discover())).code, 'cluster_unauthorized');
    });
  });
});

test('a read-only identity: writes are cluster_unauthorized (403)', async () => {
  await withSim(
    async ({ sim }) => {
      await withClient({ server: sim.url, token: 'viewer', insecureSkipTLSVerify: true }, async (client) => {
        assert.ok(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));
        const err = await failure(client.apply(cm, { fieldManager: 'tether' }));
        assert.equal(err.code, 'cluster_unauthorized');
        assert.equal(err.status, 403);
      });
    },
    { users: [{ token: 'viewer', name: 'viewer', readOnly: true }] },
  );
});

test('TLS: the CA from caData is trusted, another CA or none is refused, insecure skips', async () => {
  const other = await startKubeSim({ tls: true });
  await other.close();
  await withSim(
    async ({ sim, client }) => {
      assert.ok(sim.url.startsWith('https://'));
      assert.ok(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));

      await withClient({ server: sim.url, token: TOKEN, caData: other.caData }, async (c) => {
        const err = await failure(c.discover());
        assert.equal(err.code, 'cluster_unreachable');
        assert.equal(err.details.tls, true, JSON.stringify(err.details));
        assert.match(err.message, /TLS/);
      });
      await withClient({ server: sim.url, token: TOKEN }, async (c) => {
        const err = await failure(c.discover());
        assert.equal(err.code, 'cluster_unreachable');
        assert.equal(err.details.tls, true, JSON.stringify(err.details));
      });
      await withClient({ server: sim.url, token: TOKEN, insecureSkipTLSVerify: true }, async (c) => {
        assert.ok((await c.discover()).length > 0);
      });
    },
    { tls: true },
  );
});

test('a kubeconfig file connects; a missing one is invalid_config', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tether-kubeconfig-'));
  try {
    await withSim(
      async ({ sim }) => {
        const path = sim.writeKubeconfig(join(dir, 'config'), 'shop');
        await withClient({ kubeconfigPath: path }, async (client) => {
          await createNamespace(client, 'shop');
          const res = await applyBundle({
            client,
            objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'via-kubeconfig' } }],
            application: 'a',
            destinationNamespace: 'shop',
            logger,
          });
          assert.equal(res.ok, true, res.error?.message);
        });
        const err = await failure(
          Promise.resolve().then(() => connectCluster({ kubeconfigPath: path, context: 'nope' }, { logger })),
        );
        assert.equal(err.code, 'invalid_config');
      },
      { tls: true },
    );
    const missing = await failure(
      Promise.resolve().then(() => connectCluster({ kubeconfigPath: join(dir, 'missing') }, { logger })),
    );
    assert.equal(missing.code, 'invalid_config');
    assert.match(missing.message, /missing/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('connection settings that cannot work are invalid_config', async () => {
  const bad = (conn: ClusterConnection) =>
    failure(Promise.resolve().then(() => connectCluster(conn, { logger })));
  assert.equal((await bad({ server: 'http://127.0.0.1:1' })).code, 'invalid_config');
  assert.equal((await bad({ server: 'not a url' })).code, 'invalid_config');
  assert.equal((await bad({ server: 'ftp://example.com' })).code, 'invalid_config');
  if (!process.env.KUBERNETES_SERVICE_HOST)
    assert.equal((await bad({ inCluster: true })).code, 'invalid_config');
});

test('a cluster that accepts and never answers: cluster_timeout; the caller can cancel', async () => {
  const hung = await silentServer();
  try {
    await withClient(
      { server: `http://127.0.0.1:${hung.port}`, insecureSkipTLSVerify: true },
      async (client) => {
        const err = await failure(client.discover());
        assert.equal(err.code, 'cluster_timeout');
        assert.equal(err.transient, true);
        assert.equal(err.details.timeoutMs, 200);

        const perCall = await failure(
          client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'x' }, { timeoutMs: 50 }),
        );
        assert.equal(perCall.code, 'cluster_timeout');
        assert.equal(perCall.details.timeoutMs, 50);

        const controller = new AbortController();
        const pending = client.discover({ signal: controller.signal, timeoutMs: 60_000 });
        controller.abort();
        assert.equal((await failure(pending)).code, 'cancelled');

        const res = await applyBundle({
          client,
          objects: [cm],
          application: 'a',
          destinationNamespace: 'x',
          logger,
        });
        assert.equal(res.error?.code, 'cluster_timeout');
      },
      200,
    );
  } finally {
    await hung.close();
  }
});
