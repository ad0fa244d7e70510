// Only outbound HTTPS to the control plane, through an HTTP proxy when HTTPS_PROXY says so, and
// straight when NO_PROXY exempts the host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorld } from './helpers.ts';
import { startForwardProxy, startTlsFront } from './net.ts';

test('proxy: over https through HTTPS_PROXY (CONNECT); NO_PROXY goes direct', async (t) => {
  const w = await startWorld(t);
  const front = await startTlsFront(Number(new URL(w.apiUrl).port));
  t.after(() => front.close());
  const proxy = await startForwardProxy();
  t.after(() => proxy.close());
  const frontHost = new URL(front.url).host;
  const edge = await w.pullCluster('edge');
  const dmz = await w.pullCluster('dmz');
  await w.createApp({ name: 'guestbook', path: 'guestbook', clusters: ['edge', 'dmz'], namespace: 'web' });

  const tls = { TETHER_URL: front.url, NODE_EXTRA_CA_CERTS: front.caFile, HTTPS_PROXY: proxy.url };
  const proxied = await w.agent(edge, { env: tls });
  await proxied.waitForLog((l) => l.msg === 'agent running', 'the proxied agent');
  const d = await w.deploy('guestbook');
  await w.waitDeployment(d.id as string, 'edge applied', (x) =>
    (x.targets as { cluster: string; status: string }[]).some(
      (y) => y.cluster === 'edge' && y.status === 'succeeded',
    ),
  );
  assert.ok(proxy.seen.length > 0, 'the agent went through the proxy');
  assert.deepEqual([...new Set(proxy.seen)], [`CONNECT ${frontHost}`], 'only tunnels to the control plane');
  proxied.kill('SIGTERM');
  assert.equal(await proxied.exited, 0);

  const seen = proxy.seen.length;
  const direct = await w.agent(dmz, { env: { ...tls, no_proxy: '127.0.0.1' } });
  await direct.waitForLog((l) => l.msg === 'agent running', 'the direct agent');
  const done = await w.settled(d.id as string);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(proxy.seen.length, seen, 'NO_PROXY: nothing through the proxy');
});
