// A throwaway PostgreSQL database per test file (or per test): created on the local server,
// built by the project's own migrator, dropped afterwards.
//
// The migrator is passed in (usually `migrate` from @tether/db) rather than imported, because
// @tether/db's own tests use this package and the dependency graph must stay acyclic. Tests never
// build the schema any other way, so every run also exercises the committed migrations.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A superuser connection to a maintenance database on the test server. */
export const TEST_POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Builds the schema, e.g. `(url) => migrate(url)` from @tether/db; `false` for an empty database. */
  migrate: ((url: string) => Promise<unknown>) | false;
  /** Readable part of the name (letters, digits, underscore). */
  label?: string;
  adminUrl?: string;
}

async function admin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(opts: CreateTestDatabaseOptions): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? TEST_POSTGRES_ADMIN_URL;
  const label = (opts.label ?? 'db')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 20);
  const name = `tether_t_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const db: TestDatabase = {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
  if (opts.migrate !== false) {
    try {
      await opts.migrate(db.url);
    } catch (err) {
      await db.drop();
      throw err;
    }
  }
  return db;
}
