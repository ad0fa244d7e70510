import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { getClusterByName } from '@tether/db';
import { laneFor, PUSH_LANE } from '@tether/queue';
import { type RunningSim, startSim } from '@tether/testing/kube-sim';
import { parseAllDocuments } from 'yaml';
import {
  admin,
  agent,
  application,
  auditEvents,
  claimJob,
  deploy,
  deployment,
  type PullEnv,
  registerWith,
  startPullEnv,
} from './agent-helpers.ts';

const run = promisify(execFile);

describe('push ↔ pull, and the agent manifest', () => {
  let env: PullEnv;
  before(async () => {
    env = await startPullEnv({ pull: { agentImage: 'ghcr.io/tether/agent:9.9.9' } });
  });
  after(async () => {
    await env.close();
  });

  const jobState = async (lane: string, targetId: string) =>
    (await env.h.inspector.getJob(lane, targetId))?.state ?? 'missing';

  test('push → pull keeps applications and history; queued targets move to the pull lane', async () => {
    const created = await admin(env, 'POST', '/clusters', {
      name: 'hybrid',
      mode: 'push',
      server: 'https://127.0.0.1:1',
      token: 'push-token',
    });
    assert.equal(created.status, 201);
    const clusterId = created.body.id as string;
    await application(env, 'moving', ['hybrid']);
    const d = await deploy(env, 'moving');
    const targetId = (await env.h.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id } })).id;
    assert.equal(await jobState(PUSH_LANE, targetId), 'waiting');

    const patched = await admin(env, 'PATCH', '/clusters/hybrid', { mode: 'pull' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.mode, 'pull');
    assert.equal(patched.body.id, clusterId, 'the same cluster');
    assert.match(patched.body.bootstrapToken, /^tether_boot_/);
    assert.equal(await jobState(PUSH_LANE, targetId), 'missing', 'gone from the push lane');
    assert.equal(await jobState(laneFor({ mode: 'pull', clusterId }), targetId), 'waiting');

    const a = await registerWith(env, patched.body.bootstrapToken);
    const job = await claimJob(env, a, 5);
    assert.equal(job.targetId, targetId);
    assert.equal(job.deploymentId, d.id);
    const done = await agent(env, a.credential, 'result', {
      targetId,
      epoch: job.epoch,
      status: 'succeeded',
      objects: [],
    });
    assert.equal(done.status, 200);

    assert.equal((await admin(env, 'GET', '/applications/moving')).status, 200);
    const history = await admin(env, 'GET', '/deployments?application=moving');
    assert.deepEqual(
      history.body.items.map((x: { id: string; status: string }) => [x.id, x.status]),
      [[d.id, 'succeeded']],
    );
    assert.equal((await deployment(env, d.id)).targets[0]?.mode, 'pull');
    const updated = (await auditEvents(env, 'hybrid')).find((e) => e.type === 'cluster.updated');
    assert.deepEqual(updated?.data.from, { mode: 'push' });
    assert.deepEqual(updated?.data.to, { mode: 'pull' });
    assert.equal(updated?.data.queuedTargets, 1);
    assert.ok(!JSON.stringify(updated).includes('push-token'));
  });

  test('pull → push moves queued targets back; the agent gets nothing more', async () => {
    const cluster = await getClusterByName(env.h.db, 'hybrid');
    const d = await deploy(env, 'moving');
    const targetId = (await env.h.db.deploymentTarget.findFirstOrThrow({ where: { deploymentId: d.id } })).id;
    const pullLane = laneFor({ mode: 'pull', clusterId: cluster.id });
    assert.equal(await jobState(pullLane, targetId), 'waiting');
    const back = await admin(env, 'PATCH', '/clusters/hybrid', { mode: 'push' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.mode, 'push');
    assert.equal(back.body.server, 'https://127.0.0.1:1', 'its API server was kept');
    assert.equal(back.body.bootstrapToken, undefined);
    assert.equal(await jobState(pullLane, targetId), 'missing');
    assert.equal(await jobState(PUSH_LANE, targetId), 'waiting');
    const [a] = (await admin(env, 'GET', '/clusters/hybrid')).body.agents;
    assert.ok(a, 'its agent stays registered (it may come back to pull)');

    const noServer = await admin(env, 'POST', '/clusters', { name: 'bare', mode: 'pull' });
    assert.equal(noServer.status, 201);
    const refused = await admin(env, 'PATCH', '/clusters/bare', { mode: 'push' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details.field, 'body.server');
    const empty = await admin(env, 'PATCH', '/clusters/bare', {});
    assert.equal(empty.status, 400);
    const missing = await admin(env, 'PATCH', '/clusters/nowhere', { mode: 'pull' });
    assert.equal(missing.status, 404);
  });

  describe('agent manifest', () => {
    let sim: RunningSim;
    before(async () => {
      // kubectl sends a bearer token over TLS only.
      sim = await startSim({ tls: true });
    });
    after(async () => {
      await sim.close();
    });

    test('YAML with scoped RBAC, a working bootstrap token and the signing key; kube-sim accepts it', async () => {
      assert.equal((await admin(env, 'POST', '/clusters', { name: 'remote', mode: 'pull' })).status, 201);
      const res = await admin(env, 'GET', '/clusters/remote/agent-manifest');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/yaml/);
      const text = res.bytes.toString('utf8');
      const docs = parseAllDocuments(text).map((d) => {
        assert.deepEqual(d.errors, []);
        return d.toJS() as { kind: string; metadata: { name: string; namespace?: string } } & Record<
          string,
          // biome-ignore lint/suspicious/noExplicitAny: manifest documents
          any
        >;
      });
      assert.deepEqual(
        docs.map((d) => d.kind),
        [
          'Namespace',
          'ServiceAccount',
          'ClusterRole',
          'ClusterRoleBinding',
          'Role',
          'RoleBinding',
          'Secret',
          'Deployment',
        ],
      );
      const byKind = (kind: string) => docs.find((d) => d.kind === kind);
      assert.equal(byKind('Namespace')?.metadata.name, 'tether-system');
      const rules = byKind('ClusterRole')?.rules as {
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }[];
      for (const r of rules) {
        assert.ok(
          !r.verbs.includes('*') && !r.resources.includes('*') && !r.apiGroups.includes('*'),
          'no wildcards',
        );
        assert.ok(
          !r.verbs.includes('escalate') && !r.verbs.includes('bind') && !r.verbs.includes('impersonate'),
        );
      }
      assert.equal(byKind('ClusterRoleBinding')?.roleRef.name, 'tether-agent', 'not cluster-admin');
      const role = byKind('Role');
      assert.equal(role?.metadata.namespace, 'tether-system');
      assert.ok(
        role?.rules.some((r: { resourceNames?: string[] }) =>
          r.resourceNames?.includes('tether-agent-credential'),
        ),
      );
      const secret = byKind('Secret')?.stringData as Record<string, string>;
      assert.equal(secret.TETHER_URL, env.url);
      assert.equal(secret.TETHER_SIGNING_PUBLIC_KEY, env.h.pull?.signer.publicKeyPem);
      const deploymentDoc = byKind('Deployment');
      const container = deploymentDoc?.spec.template.spec.containers[0];
      assert.equal(container.image, 'ghcr.io/tether/agent:9.9.9');
      assert.equal(container.envFrom[0].secretRef.name, byKind('Secret')?.metadata.name);
      assert.equal(deploymentDoc?.spec.template.spec.serviceAccountName, 'tether-agent');
      assert.ok(!container.env.some((e: { name: string }) => e.name === 'TETHER_AGENT_STATE_DIR'));

      const file = join(sim.dir, 'agent.yaml');
      await writeFile(file, text);
      const kubectl = (args: string[]) =>
        run('kubectl', ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(sim.dir, 'cache'), ...args], {
          env: { ...process.env, HOME: sim.dir },
        });
      const applied = await kubectl(['apply', '--server-side', '-f', file]);
      assert.match(applied.stdout, /deployment\.apps\/tether-agent serverside-applied/);
      const got = await kubectl(['get', 'deployment', 'tether-agent', '-n', 'tether-system', '-o', 'json']);
      assert.equal(JSON.parse(got.stdout).spec.template.spec.serviceAccountName, 'tether-agent');

      // The token in the manifest registers an agent of that cluster, once.
      const a = await registerWith(env, secret.TETHER_BOOTSTRAP_TOKEN ?? '');
      assert.equal(a.clusterId, (await getClusterByName(env.h.db, 'remote')).id);
      assert.equal(a.signingPublicKey, secret.TETHER_SIGNING_PUBLIC_KEY);
      const again = await admin(env, 'GET', '/clusters/remote/agent-manifest');
      assert.ok(
        !again.bytes.toString().includes(secret.TETHER_BOOTSTRAP_TOKEN ?? '-'),
        'a fresh token each time',
      );
    });
  });
});
