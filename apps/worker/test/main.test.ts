import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDb, listClusters } from '@tether/db';
import { createTestDatabase } from '@tether/testing/postgres';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@tether/testing/redis';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');

test('main: migrates an empty database, starts, and exits cleanly on SIGTERM', async (t) => {
  const database = await createTestDatabase({ label: 'worker_main', migrate: false });
  t.after(() => database.drop());
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-worker-main-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const prefix = uniquePrefix();
  t.after(() => cleanupPrefix(TEST_REDIS_URL, prefix));

  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      TETHER_DATA_DIR: dataDir,
      TETHER_QUEUE_PREFIX: prefix,
      TETHER_WORKER_ID: 'main-test',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('"worker ready"') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(out, /"worker ready"/, out);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /"push worker closed"/);

  const db = createDb(database.url);
  t.after(() => db.$disconnect());
  assert.deepEqual((await listClusters(db)).items, []);
});
