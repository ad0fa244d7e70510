// `npm run migration:create -w @tether/db -- <name> [--from <git-ref>|--from-file <path>]`
//
// Writes prisma/migrations/<UTC timestamp>_<name>/migration.sql with the SQL Prisma's schema
// engine generates for the change from the previous schema to prisma/schema.prisma. The engine is
// the WASM build (src/dev/schema-engine.ts) diffing two datamodels, which needs no database.
// `prisma migrate dev` would diff against a shadow database instead; the WASM engine cannot
// introspect Postgres through the pg adapter, so the previous schema comes from Git: by default
// the committed prisma/schema.prisma (HEAD), which test/schema.test.ts keeps equal to what the
// committed migrations build. With no migrations yet, the diff starts from an empty database.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { openSchemaEngine } from '../dev/schema-engine.ts';
import { MIGRATION_LOCK } from '../migrations.ts';
import { MIGRATIONS_DIR, REPO_ROOT, SCHEMA_PATH } from '../paths.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string' }, 'from-file': { type: 'string' } },
});
const name = positionals[0];
if (name === undefined || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write(
    'usage: migration:create <name: [a-z0-9_]+> [--from <git-ref> | --from-file <path>]\n',
  );
  process.exit(2);
}

const existing = existsSync(MIGRATIONS_DIR)
  ? (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory())
  : [];

async function previousSchema(): Promise<string | null> {
  if (values['from-file'] !== undefined) return readFile(values['from-file'], 'utf8');
  if (existing.length === 0 && values.from === undefined) return null;
  const ref = values.from ?? 'HEAD';
  const rel = relative(REPO_ROOT, SCHEMA_PATH);
  return execFileSync('git', ['show', `${ref}:${rel}`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const current = await readFile(SCHEMA_PATH, 'utf8');
const before = await previousSchema();
const engine = await openSchemaEngine(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  [{ path: 'schema.prisma', content: current }],
);
let sql: string;
try {
  sql = await engine.diff(
    before === null
      ? { tag: 'empty' }
      : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: before }] },
    { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: current }] },
  );
} finally {
  await engine.close();
}

if (sql.trim() === '' || sql.trim() === '-- This is an empty migration.') {
  process.stdout.write('schema unchanged: no migration written\n');
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'migration.sql'), sql);
const lockPath = join(MIGRATIONS_DIR, 'migration_lock.toml');
if (!existsSync(lockPath)) await writeFile(lockPath, MIGRATION_LOCK);
process.stdout.write(`wrote ${relative(REPO_ROOT, join(dir, 'migration.sql'))}\n`);
