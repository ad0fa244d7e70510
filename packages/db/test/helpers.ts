// Shared by the db tests: a fresh database built by the committed migrations, and a client on it.

import { createTestDatabase, type TestDatabase } from '@tether/testing/postgres';
import type { AuditContext } from '../src/audit.ts';
import { createDb, type Db } from '../src/client.ts';
import { migrate } from '../src/migrate.ts';

export const SYSTEM: AuditContext = { actor: { type: 'system', name: 'test' } };

export function migratedDatabase(label: string): Promise<TestDatabase> {
  return createTestDatabase({ label, migrate: (url) => migrate(url) });
}

export interface TestDb {
  database: TestDatabase;
  db: Db;
  close(): Promise<void>;
}

/** A migrated database and a client on it; `close` disconnects and drops it. */
export async function openTestDb(label: string, poolSize = 10): Promise<TestDb> {
  const database = await migratedDatabase(label);
  const db = createDb(database.url, { poolSize });
  return {
    database,
    db,
    async close() {
      await db.$disconnect();
      await database.drop();
    },
  };
}
