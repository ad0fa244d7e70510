import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { silentLogger } from '@tether/core';
import { loadSigner, SIGNING_KEY_FILE, signerFromPem } from '../src/agent/signing.ts';

const run = promisify(execFile);

describe('bundle signing key', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-signing-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('generated once into the data dir (0600) and kept across starts', async () => {
    const data = join(dir, 'one');
    const first = await loadSigner({ dataDir: data, logger: silentLogger() });
    const mode = (await stat(join(data, SIGNING_KEY_FILE))).mode & 0o777;
    assert.equal(mode, 0o600);
    const second = await loadSigner({ dataDir: data, logger: silentLogger() });
    assert.equal(second.keyId, first.keyId);
    assert.equal(second.publicKeyPem, first.publicKeyPem);
    const bytes = Buffer.from('{"kind":"Bundle"}');
    assert.ok(verify(null, bytes, first.publicKeyPem, Buffer.from(second.sign(bytes), 'base64')));
    assert.deepEqual(await readdir(data), [SIGNING_KEY_FILE], 'no temporary files left');
  });

  test('processes starting at once on one data dir agree on one key', async () => {
    const data = join(dir, 'race');
    const script = `
      import { loadSigner } from ${JSON.stringify(join(import.meta.dirname, '../src/agent/signing.ts'))};
      const logger = { info() {}, child() { return logger; } };
      const s = await loadSigner({ dataDir: ${JSON.stringify(data)}, logger });
      process.stdout.write(s.keyId);`;
    const ids = await Promise.all(
      Array.from({ length: 6 }, () =>
        run(process.execPath, ['--input-type=module', '-e', script]).then((r) => r.stdout),
      ),
    );
    assert.equal(new Set(ids).size, 1, ids.join(' '));
    const inProcess = await Promise.all(
      Array.from({ length: 6 }, () => loadSigner({ dataDir: join(dir, 'race2'), logger: silentLogger() })),
    );
    assert.equal(new Set(inProcess.map((s) => s.keyId)).size, 1);
  });

  test('TETHER_SIGNING_KEY: an Ed25519 PKCS#8 PEM (escaped newlines too); other keys are refused', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signer = await loadSigner({ pem, dataDir: join(dir, 'unused'), logger: silentLogger() });
    assert.equal(signerFromPem(pem.replaceAll('\n', '\\n')).keyId, signer.keyId);
    await assert.rejects(stat(join(dir, 'unused')), 'nothing written when the key comes from config');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    assert.throws(() => signerFromPem(rsa.toString()), /must be Ed25519/);
    assert.throws(() => signerFromPem('not a key'), /not a PEM private key/);
  });
});
