// `npm run generate -w @tether/db`: writes the Prisma client to packages/db/generated/prisma.
// Runs before typecheck/test/start (package scripts and the turbo `generate` task), so it is a
// no-op when the schema and Prisma version have not changed since the last run; --force redoes it.
//
// `prisma generate` itself needs no engine here: the `prisma-client` generator emits TypeScript
// plus the WASM query compiler, and queries go through @prisma/adapter-pg. The CLI still insists
// on locating a schema-engine binary at start-up, which cannot be downloaded on this network, so
// PRISMA_SCHEMA_ENGINE_BINARY points at any existing file (it is never executed by generate).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GENERATED_DIR, PACKAGE_DIR, PRISMA_CONFIG_PATH, SCHEMA_PATH } from '../paths.ts';

const require = createRequire(import.meta.url);
let prismaPkgPath: string;
try {
  prismaPkgPath = require.resolve('prisma/package.json');
} catch (err) {
  // postinstall of a production install (--omit=dev) has no Prisma CLI; the client must then
  // come from the build that installed dev dependencies.
  if (process.argv.includes('--if-available')) {
    process.stdout.write('prisma CLI not installed: skipping client generation\n');
    process.exit(0);
  }
  throw err;
}
const prismaVersion = (JSON.parse(readFileSync(prismaPkgPath, 'utf8')) as { version: string }).version;
const prismaCli = join(dirname(prismaPkgPath), 'build/index.js');

const stampPath = join(GENERATED_DIR, '.tether-stamp');
const stamp = createHash('sha256')
  .update(prismaVersion)
  .update('\0')
  .update(readFileSync(SCHEMA_PATH))
  .update('\0')
  .update(readFileSync(PRISMA_CONFIG_PATH))
  .digest('hex');

const force = process.argv.includes('--force');
if (!force && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) {
  process.stdout.write('prisma client is up to date\n');
  process.exit(0);
}

const res = spawnSync(process.execPath, [prismaCli, 'generate', '--config', PRISMA_CONFIG_PATH], {
  cwd: PACKAGE_DIR,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_GENERATE_NO_HINTS: '1',
    CHECKPOINT_DISABLE: '1',
  },
  timeout: 120_000,
});
if (res.status !== 0) {
  process.stderr.write(`prisma generate failed (${res.error?.message ?? `exit ${res.status}`})\n`);
  process.exit(res.status ?? 1);
}
writeFileSync(stampPath, stamp);
