import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError } from '@tether/core';
import { loadAgentConfig } from '../src/config.ts';

const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

test('config: defaults', () => {
  const c = loadAgentConfig({ TETHER_URL: 'https://tether.example.com' });
  assert.deepEqual(c, {
    TETHER_URL: 'https://tether.example.com',
    TETHER_BOOTSTRAP_TOKEN: undefined,
    TETHER_SIGNING_PUBLIC_KEY: undefined,
    KUBECONFIG: undefined,
    KUBERNETES_SERVICE_HOST: undefined,
    TETHER_AGENT_CREDENTIAL_STORE: 'auto',
    TETHER_AGENT_STATE_DIR: '.tether-agent',
    TETHER_AGENT_NAMESPACE: undefined,
    TETHER_AGENT_HEALTH_PORT: -1,
    TETHER_AGENT_HEALTH_HOST: '127.0.0.1',
    TETHER_AGENT_CLAIM_WAIT_SECONDS: 25,
    TETHER_AGENT_REQUEST_TIMEOUT_MS: 15_000,
    TETHER_AGENT_BACKOFF_MIN_MS: 500,
    TETHER_AGENT_BACKOFF_MAX_MS: 30_000,
    TETHER_AGENT_SHUTDOWN_GRACE_MS: 20_000,
    TETHER_KUBE_TIMEOUT_MS: 15_000,
    TETHER_HEALTH_TIMEOUT_MS: 300_000,
    TETHER_RESYNC_INTERVAL: 180,
    HTTPS_PROXY: undefined,
    HTTP_PROXY: undefined,
    NO_PROXY: undefined,
  });
});

test('config: the signing key is normalised, proxies read in either case', () => {
  const c = loadAgentConfig({
    TETHER_URL: 'http://127.0.0.1:8080',
    TETHER_SIGNING_PUBLIC_KEY: pem.replace(/\n/g, '\\n'),
    https_proxy: 'http://proxy.internal:3128',
    NO_PROXY: 'localhost,.svc',
    TETHER_AGENT_HEALTH_PORT: '9100',
  });
  assert.equal(c.TETHER_SIGNING_PUBLIC_KEY, pem);
  assert.equal(c.HTTPS_PROXY, 'http://proxy.internal:3128');
  assert.equal(c.NO_PROXY, 'localhost,.svc');
  assert.equal(c.TETHER_AGENT_HEALTH_PORT, 9100);
});

test('config: every problem is reported at once', () => {
  assert.throws(
    () =>
      loadAgentConfig({
        TETHER_URL: 'ftp://nope',
        TETHER_SIGNING_PUBLIC_KEY: 'not a key',
        TETHER_AGENT_CLAIM_WAIT_SECONDS: '31',
        TETHER_AGENT_CREDENTIAL_STORE: 'vault',
        HTTPS_PROXY: '::',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 5, err.message);
      assert.match(err.message, /TETHER_SIGNING_PUBLIC_KEY: not a PEM/);
      assert.match(err.message, /HTTPS_PROXY is not a valid URL/);
      return true;
    },
  );
  assert.throws(
    () =>
      loadAgentConfig({
        TETHER_URL: 'https://x',
        TETHER_AGENT_BACKOFF_MIN_MS: '5000',
        TETHER_AGENT_BACKOFF_MAX_MS: '100',
      }),
    /BACKOFF_MIN_MS must be <= TETHER_AGENT_BACKOFF_MAX_MS/,
  );
});
