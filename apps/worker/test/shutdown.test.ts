import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { testEnv, waitFor } from './helpers.ts';

/** A TCP server that accepts connections and never answers: a hung API server. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('closing mid-attempt puts the target and its job back in the queue', async (t) => {
  const env = await testEnv(t);
  const hung = await silentServer();
  t.after(() => hung.close());
  const { url, sha } = await env.createRepo(['guestbook']);
  await env.addCluster('hung', { server: `http://127.0.0.1:${hung.port}` });
  const appId = await env.createApp({
    name: 'guestbook',
    repoUrl: url,
    path: 'guestbook',
    clusters: ['hung'],
    namespace: 'web',
  });
  const deployment = await env.deploy(appId, sha);
  const targetId = deployment.targets[0]?.id;
  assert.ok(targetId);
  const worker = await env.startWorker('worker-a', { kubeTimeoutMs: 120_000 });
  await env.waitForTarget(targetId, (x) => x.status === 'running');

  await worker.close({ deadlineMs: 200, abortGraceMs: 10_000 });
  assert.equal(worker.running(), 0);
  const target = await env.waitForTarget(targetId, (x) => x.status !== 'running');
  assert.equal(target.status, 'queued');
  assert.equal(target.error, 'worker shut down mid-attempt');
  assert.deepEqual(
    (await env.events(targetId)).map((e) => e.type),
    ['target.queued', 'target.started', 'target.retried'],
  );
  const job = await waitFor('job back in the lane', async () => {
    const j = await env.inspector.getJob('target-sync', targetId);
    return j?.state === 'waiting' ? j : undefined;
  });
  // The shutdown did not spend one of the job's attempts.
  assert.equal(job.attemptsMade, 0);
});
