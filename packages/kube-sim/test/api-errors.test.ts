// Errors as Kubernetes Status objects with the apiserver's codes and reasons, and bearer auth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, startTestSim, type TestSim } from './sim-support.ts';

const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...extra },
  data: { a: '1' },
});

describe('errors and auth', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({
      tls: false,
      users: [{ token: 'viewer-token', name: 'viewer', readOnly: true }],
    });
  });
  after(async () => {
    await t.close();
  });

  it('requires the bearer token, except for health and version', async () => {
    const anon = await api(t.sim, '/api/v1/namespaces', { token: null });
    assert.equal(anon.status, 401);
    assert.deepEqual(anon.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    assert.equal((await api(t.sim, '/api/v1/namespaces', { token: 'wrong' })).status, 401);
    assert.equal((await api(t.sim, '/healthz', { token: null })).text, 'ok');
    assert.equal((await api(t.sim, '/readyz', { token: null })).status, 200);
    assert.equal((await api(t.sim, '/livez', { token: null })).status, 200);
    assert.equal((await api(t.sim, '/version', { token: null })).json().gitVersion, 'v1.32.0');
    assert.equal((await api(t.sim, '/version', { token: 'wrong' })).status, 401);
    assert.equal((await api(t.sim, '/api/v1/namespaces')).status, 200);
  });

  it('answers 403 Forbidden to a read-only identity that writes', async () => {
    assert.equal(
      (await api(t.sim, '/api/v1/namespaces/default/configmaps', { token: 'viewer-token' })).status,
      200,
    );
    const res = await api(t.sim, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: cm('denied'),
      token: 'viewer-token',
    });
    assert.equal(res.status, 403);
    assert.equal(res.json().reason, 'Forbidden');
    assert.match(
      res.json().message,
      /configmaps "denied" is forbidden: User "viewer" cannot create resource "configmaps"/,
    );
  });

  it('404 for a missing namespace, object or route', async () => {
    const noNs = await api(t.sim, '/api/v1/namespaces/nope/configmaps', { method: 'POST', body: cm('x') });
    assert.equal(noNs.status, 404);
    assert.equal(noNs.json().reason, 'NotFound');
    assert.equal(noNs.json().message, 'namespaces "nope" not found');
    assert.deepEqual(noNs.json().details, { name: 'nope', kind: 'namespaces' });

    const missing = await api(t.sim, '/apis/apps/v1/namespaces/default/deployments/ghost');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'deployments.apps "ghost" not found');
    assert.deepEqual(missing.json().details, { name: 'ghost', group: 'apps', kind: 'deployments' });

    const route = await api(t.sim, '/apis/nothing.example.com/v1/widgets');
    assert.equal(route.status, 404);
    assert.equal(route.json().message, 'the server could not find the requested resource');
  });

  it('400 for a namespace that disagrees with the URL and for malformed bodies', async () => {
    const mismatch = await api(t.sim, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: cm('x', { namespace: 'kube-system' }),
    });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json().reason, 'BadRequest');
    assert.equal(
      mismatch.json().message,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    const malformed = await api(t.sim, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: '{"kind":',
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json().reason, 'BadRequest');
    const wrongKind = await api(t.sim, '/apis/apps/v1/namespaces/default/deployments', {
      method: 'POST',
      body: cm('x'),
    });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.json().message, /ConfigMap in version "v1" cannot be handled as a Deployment/);
  });

  it('422 Invalid for missing and malformed names', async () => {
    const noName = await api(t.sim, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    });
    assert.equal(noName.status, 422);
    assert.equal(noName.json().reason, 'Invalid');
    assert.equal(
      noName.json().message,
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    const bad = await api(t.sim, '/apis/apps/v1/namespaces/default/deployments', {
      method: 'POST',
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'Bad_Name' },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      },
    });
    assert.equal(bad.status, 422);
    const status = bad.json();
    assert.match(
      status.message,
      /^Deployment\.apps "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    assert.equal(status.details.kind, 'Deployment');
    assert.equal(status.details.group, 'apps');
    assert.equal(status.details.causes[0].reason, 'FieldValueInvalid');
    assert.equal(status.details.causes[0].field, 'metadata.name');
  });

  it('409 AlreadyExists, 405 MethodNotAllowed, 415 UnsupportedMediaType', async () => {
    assert.equal(
      (await api(t.sim, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm('dup') })).status,
      201,
    );
    const dup = await api(t.sim, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: cm('dup'),
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.json().reason, 'AlreadyExists');
    assert.equal(dup.json().message, 'configmaps "dup" already exists');

    const post = await api(t.sim, '/api/v1/namespaces/default/configmaps/dup', {
      method: 'POST',
      body: cm('dup'),
    });
    assert.equal(post.status, 405);
    assert.equal(post.json().reason, 'MethodNotAllowed');

    const patch = await api(t.sim, '/api/v1/namespaces/default/configmaps/dup', {
      method: 'PATCH',
      body: '{}',
      contentType: 'text/plain',
    });
    assert.equal(patch.status, 415);
    assert.equal(patch.json().reason, 'UnsupportedMediaType');

    const applyNoManager = await api(t.sim, '/api/v1/namespaces/default/configmaps/dup', {
      method: 'PATCH',
      body: cm('dup'),
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(applyNoManager.status, 422);
    assert.match(applyNoManager.json().message, /fieldManager: Required value: is required for apply patch/);
  });

  it('403 for deleting a system namespace and for creating in a terminating one', async () => {
    const del = await api(t.sim, '/api/v1/namespaces/default', { method: 'DELETE' });
    assert.equal(del.status, 403);
    assert.match(del.json().message, /namespaces "default" is forbidden: this namespace may not be deleted/);

    await api(t.sim, '/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } },
    });
    await api(t.sim, '/api/v1/namespaces/held/configmaps', {
      method: 'POST',
      body: cm('pinned', { finalizers: ['example.com/hold'] }),
    });
    const terminating = await api(t.sim, '/api/v1/namespaces/held', { method: 'DELETE' });
    assert.equal(terminating.status, 200);
    assert.equal(terminating.json().status.phase, 'Terminating');
    assert.equal((await api(t.sim, '/api/v1/namespaces/held')).json().status.phase, 'Terminating');
    const create = await api(t.sim, '/api/v1/namespaces/held/configmaps', {
      method: 'POST',
      body: cm('late'),
    });
    assert.equal(create.status, 403);
    assert.equal(
      create.json().message,
      'configmaps "late" is forbidden: unable to create new content in namespace held because it is being terminated',
    );
    await api(t.sim, '/api/v1/namespaces/held/configmaps/pinned', {
      method: 'PATCH',
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal((await api(t.sim, '/api/v1/namespaces/held')).status, 404);
  });
});
