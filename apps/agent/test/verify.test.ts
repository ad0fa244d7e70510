import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson } from '@tether/manifests';
import { BundleRejected, parsePublicKey, sameKey, sha256Hex, verifyBundle } from '../src/verify.ts';

const control = generateKeyPairSync('ed25519');
const KEY = parsePublicKey(control.publicKey.export({ type: 'spki', format: 'pem' }).toString());

const OBJECTS = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } },
];

function bundle(over: Record<string, unknown> = {}, privateKey = control.privateKey) {
  const bytes = Buffer.from(
    canonicalJson({
      apiVersion: 'tether.dev/v1',
      kind: 'Bundle',
      application: 'shop',
      path: 'apps/shop',
      repoUrl: 'https://git.example/deploy.git',
      sha: 'a'.repeat(40),
      objects: OBJECTS,
      ...over,
    }),
  );
  return { bytes, digest: sha256Hex(bytes), signature: sign(null, bytes, privateKey).toString('base64') };
}

const expect = (b: { digest: string; signature: string }, over: Record<string, unknown> = {}) => ({
  digest: b.digest,
  signatures: [b.signature],
  application: 'shop',
  sha: 'a'.repeat(40),
  ...over,
});

function rejected(check: string, pattern: RegExp) {
  return (err: unknown) => err instanceof BundleRejected && err.check === check && pattern.test(err.message);
}

test('verify: a bundle with the right digest and signature is accepted and parsed', () => {
  const b = bundle();
  const parsed = verifyBundle(b.bytes, expect(b), KEY);
  assert.equal(parsed.application, 'shop');
  assert.equal(parsed.path, 'apps/shop');
  assert.deepEqual(parsed.objects, OBJECTS);
  // The header's copy of the same signature changes nothing.
  verifyBundle(b.bytes, expect(b, { signatures: [b.signature, b.signature] }), KEY);
});

test('verify: tampered bytes fail the digest check before anything else', () => {
  const b = bundle();
  const tampered = Buffer.from(b.bytes.toString().replace('"replicas":1', '"replicas":9'));
  assert.notDeepEqual(tampered, b.bytes);
  assert.throws(() => verifyBundle(tampered, expect(b), KEY), rejected('digest', /digest check failed/));
  assert.throws(
    () => verifyBundle(b.bytes, expect(b, { digest: 'not-hex' }), KEY),
    rejected('digest', /not a sha256/),
  );
});

test('verify: tampered bytes with a recomputed digest fail the signature check', () => {
  const b = bundle();
  const tampered = Buffer.from(b.bytes.toString().replace('"replicas":1', '"replicas":9'));
  const forged = { digest: sha256Hex(tampered), signature: b.signature };
  assert.throws(
    () => verifyBundle(tampered, expect(forged), KEY),
    rejected('signature', /signature check failed/),
  );
});

test('verify: a signature by another key, a garbage or missing signature, or a mismatched header are refused', () => {
  const intruder = generateKeyPairSync('ed25519');
  const b = bundle({}, intruder.privateKey);
  assert.throws(() => verifyBundle(b.bytes, expect(b), KEY), rejected('signature', /pinned/));
  const good = bundle();
  assert.throws(
    () => verifyBundle(good.bytes, expect(good, { signatures: ['AAAA'] }), KEY),
    rejected('signature', /signature check failed/),
  );
  assert.throws(
    () => verifyBundle(good.bytes, expect(good, { signatures: [] }), KEY),
    rejected('signature', /no signature/),
  );
  assert.throws(
    () => verifyBundle(good.bytes, expect(good, { signatures: [good.signature, b.signature] }), KEY),
    rejected('signature', /signature check failed/),
  );
});

test('verify: a validly signed bundle of another application or commit is not replayed', () => {
  const other = bundle({ application: 'billing' });
  assert.throws(() => verifyBundle(other.bytes, expect(other), KEY), rejected('content', /billing@/));
  const older = bundle({ sha: 'b'.repeat(40) });
  assert.throws(() => verifyBundle(older.bytes, expect(older), KEY), rejected('content', /bbbb/));
  const junk = bundle({ objects: [{ kind: 'ConfigMap' }] });
  assert.throws(() => verifyBundle(junk.bytes, expect(junk), KEY), rejected('content', /Kubernetes objects/));
  const notJson = Buffer.from('{nope');
  const signed = {
    digest: sha256Hex(notJson),
    signature: sign(null, notJson, control.privateKey).toString('base64'),
  };
  assert.throws(() => verifyBundle(notJson, expect(signed), KEY), rejected('content', /not JSON/));
});

test('parsePublicKey: PEM, escaped newlines or base64; Ed25519 only', () => {
  const pem = control.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.ok(sameKey(parsePublicKey(pem), KEY));
  assert.ok(sameKey(parsePublicKey(pem.replace(/\n/g, '\\n')), KEY));
  assert.ok(sameKey(parsePublicKey(Buffer.from(pem).toString('base64')), KEY));
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.equal(sameKey(parsePublicKey(other), KEY), false);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  assert.throws(() => parsePublicKey(rsa.toString()), /must be Ed25519, got rsa/);
  assert.throws(() => parsePublicKey('hello'), /not a PEM/);
  assert.throws(
    () => parsePublicKey('-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----'),
    /unreadable/,
  );
});
