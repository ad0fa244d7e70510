import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '@tether/core';
import { type ManifestError, renderManifests } from '../src/index.ts';
import { CORPUS, tempDir } from './helpers.ts';

const logger = silentLogger();

async function withFiles(files: Record<string, string>, fn: (root: string) => Promise<void>): Promise<void> {
  const { dir, remove } = await tempDir('tether-render-');
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await fn(dir);
  } finally {
    await remove();
  }
}

function fails(code: string, ...patterns: RegExp[]) {
  return (err: unknown) => {
    const e = err as ManifestError;
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

test('guestbook: two objects in file order, each with its source', async () => {
  const { objects, warnings } = await renderManifests({ root: CORPUS, path: 'guestbook', logger });
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    objects.map((o) => [o.manifest.kind, o.manifest.metadata.name, o.source]),
    [
      ['Deployment', 'guestbook-ui', { file: 'guestbook/guestbook-ui-deployment.yaml', document: 0 }],
      ['Service', 'guestbook-ui', { file: 'guestbook/guestbook-ui-svc.yaml', document: 0 }],
    ],
  );
});

test('sock-shop: the kustomization resource list, in its order', async () => {
  const { objects } = await renderManifests({ root: CORPUS, path: 'sock-shop', logger });
  assert.equal(objects.length, 29);
  assert.equal(objects[0]?.source.file, 'sock-shop/base/carts-db-dep.yaml');
  assert.equal(objects.filter((o) => o.manifest.kind === 'Deployment').length, 14);
  assert.ok(
    objects.some((o) => o.manifest.kind === 'Ingress' && o.manifest.metadata.name === 'front-end-ingress'),
  );
});

test('kustomize namePrefix applies to objects and through local bases', async () => {
  const gb = await renderManifests({ root: CORPUS, path: 'kustomize-guestbook', logger });
  assert.deepEqual(
    gb.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`),
    ['Deployment/kustomize-guestbook-ui', 'Service/kustomize-guestbook-ui'],
  );
  const hooks = await renderManifests({ root: CORPUS, path: 'pre-post-sync', logger });
  assert.deepEqual(
    hooks.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`),
    // Kustomize appends the deprecated `bases` after `resources`.
    [
      'Job/pre-post-sync-before',
      'Job/pre-post-sync-after',
      'Deployment/pre-post-sync-kustomize-guestbook-ui',
      'Service/pre-post-sync-kustomize-guestbook-ui',
    ],
  );
});

test('namePrefix rewrites references to renamed objects of the same kustomization only', async () => {
  const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      serviceAccountName: runner
      volumes: [{name: c, configMap: {name: settings}}, {name: s, secret: {secretName: external}}]
      containers:
        - name: web
          envFrom: [{configMapRef: {name: settings}}]
`;
  await withFiles(
    {
      'app/kustomization.yaml': 'namePrefix: prod-\nresources: [deploy.yaml, cm.yaml, sa.yaml]\n',
      'app/deploy.yaml': deploy,
      'app/cm.yaml': cm('settings'),
      'app/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner}\n',
    },
    async (root) => {
      const { objects } = await renderManifests({ root, path: 'app', logger });
      const deployment = objects[0]?.manifest as unknown as {
        spec: { template: { spec: Record<string, unknown> } };
      };
      const spec = deployment.spec.template.spec;
      assert.equal(spec.serviceAccountName, 'prod-runner');
      assert.deepEqual(spec.volumes, [
        { name: 'c', configMap: { name: 'prod-settings' } },
        { name: 's', secret: { secretName: 'external' } },
      ]);
      assert.deepEqual((spec.containers as { envFrom: unknown }[])[0]?.envFrom, [
        { configMapRef: { name: 'prod-settings' } },
      ]);
    },
  );
});

test('kustomizations beyond a resource list fail with unsupported_kustomization naming the field', async () => {
  await withFiles(
    {
      'patch/kustomization.yaml': 'resources: [cm.yaml]\npatches: [{path: p.yaml}]\n',
      'patch/cm.yaml': cm('a'),
      'remote/kustomization.yaml': 'resources:\n  - github.com/org/repo//base?ref=v1\n',
      'gen/kustomization.yaml': 'configMapGenerator: [{name: x, literals: [a=b]}]\n',
      'missing/kustomization.yaml': 'resources: [nope.yaml]\n',
    },
    async (root) => {
      await assert.rejects(
        renderManifests({ root, path: 'patch', logger }),
        fails('unsupported_kustomization', /patch\/kustomization\.yaml/, /"patches"/),
      );
      await assert.rejects(
        renderManifests({ root, path: 'remote', logger }),
        fails('unsupported_kustomization', /resources\[0\]/, /remote/),
      );
      await assert.rejects(
        renderManifests({ root, path: 'gen', logger }),
        fails('unsupported_kustomization', /configMapGenerator/),
      );
      await assert.rejects(
        renderManifests({ root, path: 'missing', logger }),
        fails('path_not_found', /nope\.yaml/),
      );
    },
  );
});

test('Helm charts are refused with unsupported_source', async () => {
  await assert.rejects(
    renderManifests({ root: CORPUS, path: 'helm-guestbook', logger }),
    fails('unsupported_source', /helm-guestbook\/Chart\.yaml/),
  );
});

test('multi-document files, empty documents, Lists and JSON', async () => {
  const list = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' } })),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2' } },
    ],
  });
  await withFiles(
    {
      'app/b.yaml': `---\n${cm('b1')}---\n# nothing here\n---\n${cm('b2')}\n...\n`,
      'app/a/list.json': list,
      'app/c.yml': cm('c', 'data:\n  mode: 0644\n  flag: yes\n  time: 12:30\n  day: 2024-01-02\n'),
      'app/notes.txt': 'not a manifest',
    },
    async (root) => {
      const { objects } = await renderManifests({ root, path: 'app', logger });
      assert.deepEqual(
        objects.map((o) => [o.manifest.metadata.name, o.source]),
        [
          ['s1', { file: 'app/a/list.json', document: 0, item: 0 }],
          ['s2', { file: 'app/a/list.json', document: 0, item: 1 }],
          ['b1', { file: 'app/b.yaml', document: 0 }],
          ['b2', { file: 'app/b.yaml', document: 2 }],
          ['c', { file: 'app/c.yml', document: 0 }],
        ],
      );
      // kubectl reads YAML 1.1: octal and yes/no, but times and dates stay strings.
      assert.deepEqual(objects[4]?.manifest.data, {
        mode: 420,
        flag: true,
        time: '12:30',
        day: '2024-01-02',
      });
    },
  );
});

test('non-Kubernetes YAML is skipped with a warning naming the file', async () => {
  await withFiles(
    {
      'app/deploy.yaml': cm('real'),
      'app/config/settings.yaml': 'replicas: 3\nfeatures: [a, b]\n',
      'app/nested/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    },
    async (root) => {
      const { objects, warnings } = await renderManifests({ root, path: 'app', logger });
      assert.equal(objects.length, 1);
      assert.equal(warnings.length, 2);
      assert.match(warnings[0] ?? '', /app\/config\/settings\.yaml.*not a Kubernetes object/);
      assert.match(warnings[1] ?? '', /app\/nested\/kustomization\.yaml.*kustomize/);
    },
  );
});

test('malformed manifests fail the whole render naming file, document, line and field', async () => {
  const cases: [Record<string, string>, RegExp[]][] = [
    [
      { 'app/bad.yaml': `${cm('ok')}---\nkind: ConfigMap\nmetadata: [oops\n` },
      [/app\/bad\.yaml/, /YAML/, /line/],
    ],
    [
      { 'app/x.yaml': `${cm('ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n` },
      [/app\/x\.yaml \[document 1\]/, /metadata\.name is required/],
    ],
    [{ 'app/a.yaml': cm('same'), 'app/b.yaml': cm('same') }, [/duplicate/, /app\/a\.yaml/, /app\/b\.yaml/]],
    [{ 'app/a.yaml': cm('Bad_Name') }, [/DNS-1123 subdomain/, /line 4/]],
    [{ 'app/a.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: 1st}\n' }, [/DNS-1035/]],
    [{ 'app/a.yaml': cm('x', '  namespace: Prod\n') }, [/metadata\.namespace/]],
    [
      { 'app/a.yaml': cm('x', '  labels:\n    version: 1\n') },
      [/metadata\.labels\.version must be a string/, /line 6/],
    ],
    [{ 'app/a.yaml': cm('x', '  annotations:\n    "bad key!": x\n') }, [/annotations key/]],
    [{ 'app/a.yaml': 'apiVersion: 7\nkind: ConfigMap\nmetadata: {name: x}\n' }, [/apiVersion/]],
    [{ 'app/a.yaml': 'a: 1\na: 2\n' }, [/app\/a\.yaml/, /keys must be unique/, /line 2/]],
  ];
  for (const [files, patterns] of cases) {
    await withFiles(files, async (root) => {
      await assert.rejects(
        renderManifests({ root, path: 'app', logger }),
        fails('invalid_manifest', ...patterns),
      );
    });
  }
});

test('RBAC names may contain colons; the same name in two namespaces is no duplicate', async () => {
  await withFiles(
    {
      'app/rbac.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: "system:tether:reader"}\n',
      'app/cm.yaml': `${cm('x', '  namespace: a\n')}---\n${cm('x', '  namespace: b\n')}`,
    },
    async (root) => {
      const { objects } = await renderManifests({ root, path: 'app', logger });
      assert.equal(objects.length, 3);
    },
  );
});

test('paths are relative to the repository and cannot leave it', async () => {
  const one = await renderManifests({ root: CORPUS, path: './guestbook/guestbook-ui-svc.yaml', logger });
  assert.equal(one.objects.length, 1);
  await assert.rejects(renderManifests({ root: CORPUS, path: '../corpus', logger }), fails('path_not_found'));
  await assert.rejects(
    renderManifests({ root: CORPUS, path: 'nope', logger }),
    fails('path_not_found', /nope/),
  );
});
