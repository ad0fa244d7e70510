// The database the committed migrations build is the one prisma/schema.prisma describes.
// Two independent checks, both against a freshly migrated database:
//  1. Prisma's parser (getDMMF) → expected tables, columns, types, nullability, defaults, enums,
//     keys, indexes and foreign keys, compared with pg_catalog.
//  2. Prisma's schema engine (WASM) renders the schema as SQL from scratch into a reference
//     database; both catalogs must be identical, partial-index predicates included.
// Editing schema.prisma without adding the matching migration fails both.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@tether/testing/postgres';
import pg from 'pg';
import { openSchemaEngine } from '../src/dev/schema-engine.ts';
import { SCHEMA_PATH } from '../src/paths.ts';
import { type Catalog, readCatalog } from './catalog.ts';
import { expectedCatalog, loadDmmf } from './expected-catalog.ts';
import { migratedDatabase } from './helpers.ts';

let migrated: TestDatabase;
let actual: Catalog;

before(async () => {
  migrated = await migratedDatabase('schema');
  actual = await readCatalog(migrated.url);
});

after(async () => {
  await migrated?.drop();
});

test('every model is a table and every table a model', async () => {
  const expected = expectedCatalog(await loadDmmf(SCHEMA_PATH));
  assert.deepEqual(Object.keys(actual.tables).sort(), Object.keys(expected.tables).sort());
});

test('columns match fields: type, nullability, default', async () => {
  const expected = expectedCatalog(await loadDmmf(SCHEMA_PATH));
  for (const [table, columns] of Object.entries(expected.tables)) {
    assert.deepEqual(actual.tables[table], columns, `columns of ${table}`);
  }
});

test('enums and their values, in order', async () => {
  const expected = expectedCatalog(await loadDmmf(SCHEMA_PATH));
  assert.deepEqual(actual.enums, expected.enums);
});

test('primary keys, unique and plain indexes, by Prisma name', async () => {
  const expected = expectedCatalog(await loadDmmf(SCHEMA_PATH));
  const withoutPredicates = Object.fromEntries(
    Object.entries(actual.indexes).map(([name, { predicate: _p, ...rest }]) => [name, rest]),
  );
  assert.deepEqual(withoutPredicates, expected.indexes);
  assert.deepEqual(actual.otherConstraints, [], 'uniqueness is by index, as Prisma does it');
});

test('foreign keys with their referential actions', async () => {
  const expected = expectedCatalog(await loadDmmf(SCHEMA_PATH));
  assert.deepEqual(actual.foreignKeys, expected.foreignKeys);
});

test("identical to the database Prisma's schema engine builds from schema.prisma", async () => {
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const engine = await openSchemaEngine(migrated.url, [{ path: 'schema.prisma', content: schema }]);
  let sql: string;
  try {
    sql = await engine.diff(
      { tag: 'empty' },
      { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
    );
  } finally {
    await engine.close();
  }
  const reference = await createTestDatabase({
    label: 'reference',
    migrate: async (url) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
  });
  try {
    assert.deepEqual(actual, await readCatalog(reference.url));
  } finally {
    await reference.drop();
  }
});
