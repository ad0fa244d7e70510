import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpus, startTestSim } from './sim-support.ts';

test('kubectl scale writes through /scale and is recorded with subresource "scale", as the apiserver does', async () => {
  const t = await startTestSim();
  try {
    await t.kubectl(['create', 'namespace', 'shop']);
    await t.kubectl([
      'apply',
      '--server-side',
      '-n',
      'shop',
      '-f',
      `${corpus}/guestbook/guestbook-ui-deployment.yaml`,
    ]);
    await t.kubectl(['scale', 'deployment/guestbook-ui', '--replicas=3', '-n', 'shop']);
    const got = await t.kubectl([
      'get',
      'deployment/guestbook-ui',
      '-n',
      'shop',
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    const obj = JSON.parse(got.stdout) as {
      spec: { replicas: number };
      metadata: {
        managedFields: Array<{
          manager: string;
          operation: string;
          subresource?: string;
          apiVersion: string;
          fieldsV1: unknown;
        }>;
      };
    };
    assert.equal(obj.spec.replicas, 3);
    const scaler = obj.metadata.managedFields.find((m) => m.subresource === 'scale');
    assert.ok(scaler, JSON.stringify(obj.metadata.managedFields));
    assert.equal(scaler.operation, 'Update');
    assert.equal(scaler.apiVersion, 'apps/v1');
    assert.deepEqual(scaler.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    // The applier no longer owns spec.replicas: re-applying its old value is a conflict.
    const reapply = await t.kubectl(
      ['apply', '--server-side', '-n', 'shop', '-f', `${corpus}/guestbook/guestbook-ui-deployment.yaml`],
      {
        allowFail: true,
      },
    );
    assert.notEqual(reapply.code, 0);
    assert.match(reapply.stderr, /conflict/i);
  } finally {
    await t.close();
  }
});
