import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '@tether/core';
import {
  bundleDigest,
  canonicalJson,
  type KubeObject,
  objectKey,
  orderForApply,
  renderManifests,
} from '../src/index.ts';
import { CORPUS } from './helpers.ts';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});

test('apply order: namespaces and CRDs first, custom resources last, stable within a tier', () => {
  const input = [
    obj('example.com/v1', 'Widget', 'w1', 'shop'),
    obj('networking.k8s.io/v1', 'Ingress', 'web', 'shop'),
    obj('apps/v1', 'Deployment', 'web', 'shop'),
    obj('v1', 'Service', 'web', 'shop'),
    obj('v1', 'Secret', 'creds', 'shop'),
    obj('v1', 'ConfigMap', 'settings', 'shop'),
    obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rb', 'shop'),
    obj('v1', 'ServiceAccount', 'runner', 'shop'),
    obj('v1', 'PersistentVolumeClaim', 'data', 'shop'),
    obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
    obj('batch/v1', 'Job', 'migrate', 'shop'),
    obj('v1', 'Namespace', 'shop'),
    obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny', 'shop'),
    obj('rbac.authorization.k8s.io/v1', 'Role', 'r', 'shop'),
    obj('example.com/v1', 'Widget', 'w0', 'shop'),
  ];
  assert.deepEqual(
    orderForApply(input).map((o) => `${o.kind}/${o.metadata.name}`),
    [
      'Namespace/shop',
      'CustomResourceDefinition/widgets.example.com',
      'ClusterRole/reader',
      'ServiceAccount/runner',
      'RoleBinding/rb',
      'Role/r',
      'Secret/creds',
      'ConfigMap/settings',
      'PersistentVolumeClaim/data',
      'Service/web',
      'Deployment/web',
      'Job/migrate',
      'Ingress/web',
      'NetworkPolicy/deny',
      'Widget/w1',
      'Widget/w0',
    ],
  );
  assert.equal(input[0]?.kind, 'Widget', 'the input is not reordered in place');
});

test('apply order works on rendered objects: sock-shop services before deployments before ingress', async () => {
  const { objects } = await renderManifests({ root: CORPUS, path: 'sock-shop', logger: silentLogger() });
  const kinds = orderForApply(objects).map((o) => o.manifest.kind);
  assert.equal(kinds.lastIndexOf('Service') < kinds.indexOf('Deployment'), true);
  assert.equal(kinds.at(-1), 'Ingress');
});

test('objectKey is group/kind/namespace/name', () => {
  assert.equal(objectKey(obj('apps/v1', 'Deployment', 'web', 'shop')), 'apps/Deployment/shop/web');
  assert.equal(objectKey(obj('v1', 'Namespace', 'shop')), '/Namespace//shop');
  const rendered = { manifest: obj('v1', 'Service', 'web', 'a'), source: { file: 'x.yaml', document: 0 } };
  assert.equal(objectKey(rendered), '/Service/a/web');
});

test('bundleDigest depends on content only, not key order, object order or source files', () => {
  const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1', y: '2' } };
  const aReordered = {
    data: { y: '2', x: '1' },
    metadata: { name: 'a' },
    kind: 'ConfigMap',
    apiVersion: 'v1',
  };
  const b = obj('v1', 'Secret', 'b');
  const d1 = bundleDigest([a, b]);
  assert.match(d1, /^[0-9a-f]{64}$/);
  assert.equal(bundleDigest([b, aReordered]), d1);
  assert.equal(bundleDigest([{ manifest: b, source: { file: 'other.yaml', document: 3 } }, a]), d1);
  assert.notEqual(bundleDigest([{ ...a, data: { x: '1', y: '3' } }, b]), d1);
  assert.equal(
    canonicalJson({ b: [1, { d: null, c: 'x' }], a: true }),
    '{"a":true,"b":[1,{"c":"x","d":null}]}',
  );
});
