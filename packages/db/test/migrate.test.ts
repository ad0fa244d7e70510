import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@tether/testing/postgres';
import pg from 'pg';
import { openSchemaEngine, readMigrationList } from '../src/dev/schema-engine.ts';
import { MigrationError } from '../src/errors.ts';
import { migrate } from '../src/migrate.ts';
import { readLocalMigrations } from '../src/migrations.ts';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../src/paths.ts';

interface Row {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function emptyDatabase(label: string): Promise<TestDatabase> {
  return createTestDatabase({ label, migrate: false });
}

async function withEmpty(label: string, fn: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await emptyDatabase(label);
  try {
    await fn(db);
  } finally {
    await db.drop();
  }
}

/** A copy of the committed migrations plus extra ones, in a temp dir. */
async function migrationsWith(
  extra: Record<string, string>,
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tether-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, body] of Object.entries(extra)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), body);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

test('applies every migration once and records it as Prisma does', async () => {
  await withEmpty('mig_once', async (db) => {
    const local = await readLocalMigrations();
    assert.ok(local.length >= 1);
    const first = await migrate(db.url);
    assert.deepEqual(
      first.applied,
      local.map((m) => m.name),
    );
    const rows = await sql<Row>(db.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    assert.equal(rows.length, local.length);
    for (const [i, m] of local.entries()) {
      const row = rows[i];
      assert.ok(row);
      assert.equal(row.migration_name, m.name);
      assert.equal(row.checksum, m.checksum);
      assert.match(row.checksum, /^[0-9a-f]{64}$/);
      assert.match(row.id, /^[0-9a-f-]{36}$/);
      assert.ok(row.finished_at instanceof Date);
      assert.ok(row.finished_at.getTime() >= row.started_at.getTime());
      assert.equal(row.rolled_back_at, null);
      assert.equal(row.logs, null);
      assert.equal(row.applied_steps_count, 1);
    }
    const second = await migrate(db.url);
    assert.deepEqual(second.applied, []);
    assert.equal((await sql(db.url, 'SELECT 1 FROM "_prisma_migrations"')).length, local.length);
  });
});

test('concurrent runners: exactly one applies each migration', async () => {
  await withEmpty('mig_conc', async (db) => {
    const local = await readLocalMigrations();
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate(db.url)));
    const applied = results.flatMap((r) => r.applied).sort();
    assert.deepEqual(applied, local.map((m) => m.name).sort());
    assert.equal(results.filter((r) => r.applied.length > 0).length, 1);
    const rows = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"');
    assert.equal(rows[0]?.n, local.length);
  });
});

test('refuses when an applied migration was edited', async () => {
  await withEmpty('mig_tamper', async (db) => {
    await migrate(db.url);
    await sql(db.url, `UPDATE "_prisma_migrations" SET checksum = repeat('0', 64)`);
    await assert.rejects(migrate(db.url), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.reason, 'checksum_mismatch');
      return true;
    });
  });
});

test('refuses while a failed migration is recorded', async () => {
  await withEmpty('mig_failed', async (db) => {
    await migrate(db.url);
    await sql(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, repeat('a', 64), '29991231000000_broken', 'boom', now(), 0)`,
    );
    await assert.rejects(migrate(db.url), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.reason, 'failed_migration_recorded');
      assert.equal(err.migration, '29991231000000_broken');
      return true;
    });
  });
});

test('a failing migration is rolled back whole and not recorded; later ones apply in order', async () => {
  const bad = await migrationsWith({
    '29990101000000_bad': 'CREATE TABLE "Half" (id TEXT);\nSELECT 1 / 0;\n',
  });
  const good = await migrationsWith({
    '29990101000000_second': 'CREATE TABLE "Second" (id TEXT PRIMARY KEY);\n',
    '29990102000000_third': 'ALTER TABLE "Second" ADD COLUMN note TEXT;\n',
  });
  try {
    await withEmpty('mig_rollback', async (db) => {
      await assert.rejects(migrate(db.url, { migrationsDir: bad.dir }), (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.equal(err.reason, 'apply_failed');
        assert.equal(err.migration, '29990101000000_bad');
        return true;
      });
      assert.equal((await sql(db.url, `SELECT to_regclass('"Half"') AS t`))[0]?.t, null);
      const names = await sql<{ migration_name: string }>(
        db.url,
        'SELECT migration_name FROM "_prisma_migrations"',
      );
      assert.ok(!names.some((r) => r.migration_name === '29990101000000_bad'));

      const res = await migrate(db.url, { migrationsDir: good.dir });
      assert.deepEqual(res.applied, ['29990101000000_second', '29990102000000_third']);
    });
  } finally {
    await bad.cleanup();
    await good.cleanup();
  }
});

test("Prisma's schema engine agrees: migrate status is clean, and its own deploy is recognised", async () => {
  const schema = [{ path: 'schema.prisma', content: await readFile(SCHEMA_PATH, 'utf8') }];
  const list = await readMigrationList(MIGRATIONS_DIR);
  await withEmpty('mig_prisma_a', async (ours) => {
    await migrate(ours.url);
    const engine = await openSchemaEngine(ours.url, schema);
    try {
      const diagnosis = await engine.diagnose(list);
      assert.deepEqual(diagnosis, {
        editedMigrationNames: [],
        failedMigrationNames: [],
        hasMigrationsTable: true,
        history: null,
      });
    } finally {
      await engine.close();
    }
    await withEmpty('mig_prisma_b', async (theirs) => {
      const engine2 = await openSchemaEngine(theirs.url, schema);
      try {
        assert.deepEqual(
          await engine2.applyMigrations(list),
          list.migrationDirectories.map((d) => d.path),
        );
      } finally {
        await engine2.close();
      }
      assert.deepEqual((await migrate(theirs.url)).applied, [], 'rows written by Prisma count as applied');
      const columns = `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
                         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;
      assert.deepEqual(await sql(ours.url, columns), await sql(theirs.url, columns));
      const rowShape =
        'SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count FROM "_prisma_migrations"';
      assert.deepEqual(await sql(ours.url, rowShape), await sql(theirs.url, rowShape));
    });
  });
});
