// Applies the committed SQL migrations (prisma/migrations) with plain `pg`, keeping the books in
// `_prisma_migrations` exactly as Prisma's schema engine does, so `prisma migrate status|deploy`
// on a machine that has the engines agrees with what ran here (test/migrate.test.ts checks this
// against the engine itself). Prisma's engines are not used at run time: the native one cannot be
// downloaded here and the apps should not need it to start.
//
// Safe to call from every process at start-up: a session advisory lock (the same key Prisma
// Migrate uses, so the two exclude each other) serialises runners; each migration runs in its own
// transaction together with its bookkeeping row, so a failure leaves nothing half-applied.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { MigrationError } from './errors.ts';
import { type LocalMigration, migrationChecksum, readLocalMigrations } from './migrations.ts';

/** Prisma Migrate's advisory lock key on PostgreSQL. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** The DDL Prisma's schema engine uses for its bookkeeping table. */
export const PRISMA_MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface MigrateOptions {
  logger?: MigrateLogger;
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Give up waiting for another runner after this long (default 120 s). */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Names applied by this call, in order. */
  applied: string[];
  /** Migrations in the directory. */
  total: number;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

const silent: MigrateLogger = { info() {}, warn() {} };

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const logger = options.logger ?? silent;
  const local = await readLocalMigrations(options.migrationsDir);
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 10_000,
    application_name: 'tether-migrate',
  });
  await client.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 120_000);
    try {
      await client.query(PRISMA_MIGRATIONS_TABLE_DDL);
      const pending = pendingMigrations(local, await appliedRows(client), logger);
      const applied: string[] = [];
      for (const m of pending) {
        await applyOne(client, m);
        logger.info({ migration: m.name }, 'migration applied');
        applied.push(m.name);
      }
      if (applied.length === 0) logger.info({ total: local.length }, 'database schema is up to date');
      return { applied, total: local.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_LOCK_KEY,
    ]);
    if (res.rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(
        'lock_timeout',
        `another migration runner held advisory lock ${PRISMA_MIGRATE_LOCK_KEY} for ${timeoutMs} ms`,
      );
    }
    await sleep(100 + Math.floor(Math.random() * 100));
  }
}

async function appliedRows(client: pg.Client): Promise<AppliedRow[]> {
  const res = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return res.rows;
}

/** Checks the recorded history against the directory and returns what is left to apply. */
export function pendingMigrations(
  local: LocalMigration[],
  rows: AppliedRow[],
  logger: MigrateLogger = silent,
): LocalMigration[] {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    const names = failed.map((r) => r.migration_name).join(', ');
    throw new MigrationError(
      'failed_migration_recorded',
      `_prisma_migrations records failed migration(s) ${names}; fix the database, then mark them ` +
        '(`prisma migrate resolve --rolled-back <name>` or set rolled_back_at) before migrating again',
      failed[0]?.migration_name,
    );
  }
  const applied = new Map<string, AppliedRow>();
  for (const r of rows)
    if (r.finished_at !== null && r.rolled_back_at === null) applied.set(r.migration_name, r);
  const byName = new Map(local.map((m) => [m.name, m]));
  for (const row of applied.values()) {
    const m = byName.get(row.migration_name);
    if (m === undefined) {
      // Applied by a newer release; an older one may still run against it (rollback of a deploy).
      logger.warn(
        { migration: row.migration_name },
        'applied migration is missing from the migrations directory',
      );
      continue;
    }
    if (row.checksum !== m.checksum && row.checksum !== migrationChecksum(m.sql.replaceAll('\r\n', '\n'))) {
      throw new MigrationError(
        'checksum_mismatch',
        `migration ${m.name} was changed after it was applied (recorded checksum ${row.checksum}, ` +
          `file ${m.checksum}); restore the file and add a new migration instead`,
        m.name,
      );
    }
  }
  return local.filter((m) => !applied.has(m.name));
}

async function applyOne(client: pg.Client, m: LocalMigration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(m.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), m.checksum, m.name],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    const msg = err instanceof Error ? err.message : String(err);
    throw new MigrationError(
      'apply_failed',
      `migration ${m.name} failed and was rolled back: ${msg}`,
      m.name,
      {
        cause: err,
      },
    );
  }
}
