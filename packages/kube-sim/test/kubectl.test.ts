// The real kubectl against the simulator over TLS with a bearer token: server-side apply of the
// corpus (plain YAML and kustomize), get, diff, conflicts between field managers, pruning of
// dropped fields, namespace deletion, watch.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { corpus, eventually, startTestSim, type TestSim } from './sim-support.ts';

const guestbook = join(corpus, 'guestbook');
const sockShop = join(corpus, 'sock-shop');

function resourceVersions(list: {
  items: Array<{ metadata: { name: string; resourceVersion: string } }>;
}): Record<string, string> {
  return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
}

describe('kubectl against kube-sim', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim();
  });
  after(async () => {
    await t.close();
  });

  it('reports a v1.32 server and serves discovery', async () => {
    const version = await t.kubectl(['version', '-o', 'json']);
    assert.equal(JSON.parse(version.stdout).serverVersion.gitVersion, 'v1.32.0');
    const resources = await t.kubectl(['api-resources', '-o', 'name']);
    for (const r of [
      'deployments.apps',
      'configmaps',
      'ingresses.networking.k8s.io',
      'customresourcedefinitions.apiextensions.k8s.io',
    ]) {
      assert.match(resources.stdout, new RegExp(`^${r.replaceAll('.', '\\.')}$`, 'm'));
    }
  });

  it('applies guestbook server-side, gets it, diffs clean, re-applies without changes', async () => {
    const applied = await t.kubectl(['apply', '--server-side', '-f', guestbook]);
    assert.match(applied.stdout, /deployment\.apps\/guestbook-ui serverside-applied/);
    assert.match(applied.stdout, /service\/guestbook-ui serverside-applied/);

    const got = await t.kubectl(['get', 'deployment', 'guestbook-ui', '-o', 'json', '--show-managed-fields']);
    const deploy = JSON.parse(got.stdout);
    assert.equal(deploy.spec.replicas, 1);
    assert.equal(deploy.metadata.generation, 1);
    assert.match(deploy.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(
      deploy.metadata.managedFields.some(
        (m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply',
      ),
    );

    const table = await t.kubectl(['get', 'deployments']);
    assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    assert.match(table.stdout, /^guestbook-ui\s+1\/1\s+1\s+1\s+/m);

    const diff = await t.kubectl(['diff', '--server-side', '-f', guestbook], { allowFail: true });
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);

    const listBefore = JSON.parse((await t.kubectl(['get', 'deployments,services', '-o', 'json'])).stdout);
    await t.kubectl(['apply', '--server-side', '-f', guestbook]);
    const listAfter = JSON.parse((await t.kubectl(['get', 'deployments,services', '-o', 'json'])).stdout);
    assert.deepEqual(resourceVersions(listAfter), resourceVersions(listBefore));
  });

  it('diff exits 1 when the manifest differs', async () => {
    const changed = join(t.dir, 'gb-image.yaml');
    writeFileSync(
      changed,
      readFileSync(join(guestbook, 'guestbook-ui-deployment.yaml'), 'utf8').replace(
        'gb-frontend:v5',
        'gb-frontend:v6',
      ),
    );
    const diff = await t.kubectl(['diff', '--server-side', '-f', changed], { allowFail: true });
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /-\s+- image: gcr\.io\/google-samples\/gb-frontend:v5|gb-frontend:v6/);
    const live = JSON.parse((await t.kubectl(['get', 'deployment', 'guestbook-ui', '-o', 'json'])).stdout);
    assert.equal(live.spec.template.spec.containers[0].image, 'gcr.io/google-samples/gb-frontend:v5');
  });

  it('reports a conflict for a second field manager, then --force-conflicts moves ownership', async () => {
    const three = join(t.dir, 'gb-3.yaml');
    writeFileSync(
      three,
      readFileSync(join(guestbook, 'guestbook-ui-deployment.yaml'), 'utf8').replace(
        'replicas: 1',
        'replicas: 3',
      ),
    );
    const conflict = await t.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', three], {
      allowFail: true,
    });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    assert.match(conflict.stderr, /--force-conflicts/);

    await t.kubectl(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', three]);
    const deploy = JSON.parse(
      (await t.kubectl(['get', 'deployment', 'guestbook-ui', '-o', 'json', '--show-managed-fields'])).stdout,
    );
    assert.equal(deploy.spec.replicas, 3);
    const owners = (manager: string) =>
      deploy.metadata.managedFields.find((m: { manager: string }) => m.manager === manager)?.fieldsV1?.[
        'f:spec'
      ] ?? {};
    assert.ok('f:replicas' in owners('other'));
    assert.ok(!('f:replicas' in owners('kubectl')));
  });

  it('removes a field dropped from the applied configuration', async () => {
    const withLabel = parse(readFileSync(join(guestbook, 'guestbook-ui-deployment.yaml'), 'utf8'));
    withLabel.spec.replicas = 3;
    withLabel.metadata.labels = { tier: 'frontend' };
    withLabel.metadata.annotations = { 'example.com/owner': 'team-a' };
    const file = join(t.dir, 'gb-labels.json');
    writeFileSync(file, JSON.stringify(withLabel));
    await t.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', file]);
    let deploy = JSON.parse((await t.kubectl(['get', 'deployment', 'guestbook-ui', '-o', 'json'])).stdout);
    assert.equal(deploy.metadata.annotations['example.com/owner'], 'team-a');

    delete withLabel.metadata.annotations;
    writeFileSync(file, JSON.stringify(withLabel));
    await t.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', file]);
    deploy = JSON.parse((await t.kubectl(['get', 'deployment', 'guestbook-ui', '-o', 'json'])).stdout);
    assert.equal(deploy.metadata.annotations?.['example.com/owner'], undefined);
    assert.equal(deploy.metadata.labels.tier, 'frontend');
  });

  it('applies sock-shop with kustomize into a namespace, then deleting the namespace removes it all', async () => {
    await t.kubectl(['apply', '--server-side', '-f', '-'], {
      input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sock-shop\n',
    });
    const applied = await t.kubectl(['apply', '--server-side', '-k', sockShop, '-n', 'sock-shop']);
    assert.equal(applied.stdout.trim().split('\n').length, 29);
    const all = JSON.parse(
      (await t.kubectl(['get', 'deployments,services,ingresses', '-n', 'sock-shop', '-o', 'json'])).stdout,
    );
    assert.equal(all.items.length, 29);

    const diff = await t.kubectl(['diff', '--server-side', '-k', sockShop, '-n', 'sock-shop'], {
      allowFail: true,
    });
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);

    const labelled = await t.kubectl([
      'get',
      'deployments',
      '-n',
      'sock-shop',
      '-l',
      'name in (carts,orders)',
      '-o',
      'name',
    ]);
    assert.deepEqual(labelled.stdout.trim().split('\n').sort(), [
      'deployment.apps/carts',
      'deployment.apps/orders',
    ]);

    const deleted = await t.kubectl(['delete', 'namespace', 'sock-shop']);
    assert.match(deleted.stdout, /namespace "sock-shop" deleted/);
    const left = await t.kubectl(['get', 'all', '-n', 'sock-shop', '-o', 'name']);
    assert.equal(left.stdout.trim(), '');
    const ns = await t.kubectl(['get', 'namespace', 'sock-shop'], { allowFail: true });
    assert.notEqual(ns.code, 0);
    assert.match(ns.stderr, /NotFound/);
  });

  it('streams changes to kubectl get -w', async () => {
    await t.kubectl(['apply', '--server-side', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: "1"\n',
    });
    const { spawn } = await import('node:child_process');
    const child = spawn('kubectl', ['get', 'configmaps', '-w', '--cache-dir', join(t.dir, 'kube-cache')], {
      env: { ...process.env, KUBECONFIG: t.kubeconfig, HOME: t.dir },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await eventually('kubectl get -w to list', () => /^first\s+1\s+/m.test(out));
      await t.kubectl(['apply', '--server-side', '-f', '-'], {
        input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: "1"\n  b: "2"\n',
      });
      await eventually('the new ConfigMap in the watch', () => /^watched\s+2\s+/m.test(out));
    } finally {
      child.kill();
    }
  });

  it('accepts the protobuf bodies of kubectl create generators', async () => {
    const cmds = [
      ['create', 'namespace', 'gen'],
      ['create', 'configmap', 'cfg', '-n', 'gen', '--from-literal=a=b'],
      ['create', 'secret', 'generic', 'sec', '-n', 'gen', '--from-literal=pw=s3cret'],
      ['create', 'serviceaccount', 'robot', '-n', 'gen'],
      ['create', 'deployment', 'web', '-n', 'gen', '--image=nginx:1.27', '--port=80', '--replicas=2'],
      ['create', 'job', 'once', '-n', 'gen', '--image=busybox', '--', 'echo', 'hi'],
      ['create', 'service', 'clusterip', 'web', '-n', 'gen', '--tcp=80:8080'],
      ['create', 'role', 'reader', '-n', 'gen', '--verb=get,list', '--resource=pods'],
      ['create', 'rolebinding', 'reader', '-n', 'gen', '--role=reader', '--serviceaccount=gen:robot'],
      ['create', 'ingress', 'web', '-n', 'gen', '--class=nginx', '--rule=web.example.com/=web:80'],
    ];
    for (const args of cmds) await t.kubectl(args);
    const secret = JSON.parse((await t.kubectl(['get', 'secret', 'sec', '-n', 'gen', '-o', 'json'])).stdout);
    assert.equal(Buffer.from(secret.data.pw, 'base64').toString(), 's3cret');
    const deploy = JSON.parse(
      (await t.kubectl(['get', 'deployment', 'web', '-n', 'gen', '-o', 'json'])).stdout,
    );
    assert.equal(deploy.spec.replicas, 2);
    assert.equal(deploy.spec.template.spec.containers[0].ports[0].containerPort, 80);
    const svc = JSON.parse((await t.kubectl(['get', 'service', 'web', '-n', 'gen', '-o', 'json'])).stdout);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    const binding = JSON.parse(
      (await t.kubectl(['get', 'rolebinding', 'reader', '-n', 'gen', '-o', 'json'])).stdout,
    );
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'robot', namespace: 'gen' }]);
    const job = await t.kubectl([
      'wait',
      '--for=condition=complete',
      'job/once',
      '-n',
      'gen',
      '--timeout=30s',
    ]);
    assert.match(job.stdout, /condition met/);
  });

  it('answers kubectl auth can-i, auth whoami and create token', async () => {
    const can = await t.kubectl(['auth', 'can-i', 'create', 'deployments']);
    assert.equal(can.stdout.trim(), 'yes');
    const who = await t.kubectl(['auth', 'whoami', '-o', 'json']);
    assert.equal(JSON.parse(who.stdout).status.userInfo.username, 'admin');
    const token = await t.kubectl(['create', 'token', 'default', '--duration=10m']);
    assert.match(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const missing = await t.kubectl(['create', 'token', 'nobody'], { allowFail: true });
    assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
  });

  it('deletes what it applied', async () => {
    const out = await t.kubectl(['delete', '-f', guestbook]);
    assert.match(out.stdout, /deployment\.apps "guestbook-ui" deleted/);
    const gone = await t.kubectl(['get', 'deployment', 'guestbook-ui'], { allowFail: true });
    assert.match(gone.stderr, /Error from server \(NotFound\): deployments\.apps "guestbook-ui" not found/);
  });
});
