// Development tooling only (migration authoring and schema tests), never the runtime path.
// Prisma's native schema engine cannot be downloaded here, but the same engine compiled to WASM
// ships in @prisma/schema-engine-wasm (a dependency of @prisma/internals) and drives Postgres
// through the @prisma/adapter-pg driver adapter. It writes migration SQL exactly as
// `prisma migrate dev` would, and answers `prisma migrate status`'s questions.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

export interface SchemaFile {
  path: string;
  content: string;
}

export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: { path: string; migrationFile: MigrationFileEntry }[];
}

interface MigrationFileEntry {
  path: string;
  content: { tag: 'ok'; value: string } | { tag: 'error'; value: string };
}

const NO_FILTER = { externalTables: [] as string[], externalEnums: [] as string[] };

type DiffTarget =
  | { tag: 'empty' }
  | { tag: 'schemaDatamodel'; files: SchemaFile[] }
  | ({ tag: 'migrations' } & MigrationList);

export type HistoryDiagnostic =
  | { diagnostic: 'databaseIsBehind'; unappliedMigrationNames: string[] }
  | { diagnostic: 'migrationsDirectoryIsBehind'; unpersistedMigrationNames: string[] }
  | {
      diagnostic: 'historiesDiverge';
      lastCommonMigrationName: string | null;
      unpersistedMigrationNames: string[];
      unappliedMigrationNames: string[];
    };

export interface MigrationHistoryDiagnosis {
  editedMigrationNames: string[];
  failedMigrationNames: string[];
  hasMigrationsTable: boolean;
  history: HistoryDiagnostic | null;
}

interface WasmSchemaEngine {
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: typeof NO_FILTER;
  }): Promise<{ exitCode: number; stdout: string | null }>;
  createMigration(input: {
    draft: boolean;
    migrationName: string;
    migrationsList: MigrationList;
    schema: { files: SchemaFile[] };
    filters: typeof NO_FILTER;
  }): Promise<{ generatedMigrationName: string; migrationScript: string | null; extension: string }>;
  diagnoseMigrationHistory(input: {
    migrationsList: MigrationList;
    optInToShadowDatabase: boolean;
    filters: typeof NO_FILTER;
  }): Promise<MigrationHistoryDiagnosis>;
  applyMigrations(input: {
    migrationsList: MigrationList;
    filters: typeof NO_FILTER;
  }): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}

interface WasmSchemaEngineClass {
  new: (
    options: { datamodels: [string, string][] | undefined },
    log: (msg: string) => void,
    adapter: object,
  ) => Promise<WasmSchemaEngine>;
}

// The wasm-bindgen glue keeps its instance in module state, so it is loaded once per process.
let engineClass: Promise<WasmSchemaEngineClass> | undefined;

function engineClassOnce(): Promise<WasmSchemaEngineClass> {
  engineClass ??= loadEngineClass();
  return engineClass;
}

// lib es2023 has no WebAssembly types (they live in lib.dom); the few used here.
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

async function loadEngineClass(): Promise<WasmSchemaEngineClass> {
  const fromInternals = createRequire(createRequire(import.meta.url).resolve('@prisma/internals'));
  const bindingsPath = fromInternals.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bindings = (await import(pathToFileURL(bindingsPath).href)) as {
    __wbg_set_wasm(exports: Record<string, unknown>): void;
    SchemaEngine: WasmSchemaEngineClass;
  };
  const module = new wasm.Module(await readFile(join(dirname(bindingsPath), 'schema_engine_bg.wasm')));
  // The engine arms timers (e.g. a 10 s advisory-lock timeout) and never clears them; unref them
  // so a finished CLI or test process can exit.
  const imports: Record<string, unknown> = { ...bindings };
  for (const key of Object.keys(imports)) {
    if (key.startsWith('__wbg_setTimeout_')) {
      imports[key] = (fn: () => void, ms: number) => setTimeout(fn, ms >>> 0).unref();
    }
  }
  const instance = new wasm.Instance(module, { './schema_engine_bg.js': imports });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings.SchemaEngine;
}

async function bindAdapter(pool: pg.Pool): Promise<object> {
  // The engine expects the error-capturing wrapper Prisma's CLI puts around driver adapters.
  const fromAdapter = createRequire(createRequire(import.meta.url).resolve('@prisma/adapter-pg'));
  const utils = (await import(pathToFileURL(fromAdapter.resolve('@prisma/driver-adapter-utils')).href)) as {
    bindMigrationAwareSqlAdapterFactory(factory: object): object;
  };
  return utils.bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
}

export interface SchemaEngineSession {
  /** SQL that takes the database described by `from` to `to` ("" when they agree). */
  diff(from: DiffTarget, to: DiffTarget): Promise<string>;
  /** `prisma migrate dev --create-only`: the next migration's SQL, or null when none is needed. */
  createMigration(name: string, migrations: MigrationList, schema: SchemaFile[]): Promise<string | null>;
  /** What `prisma migrate status` looks at. */
  diagnose(migrations: MigrationList): Promise<MigrationHistoryDiagnosis>;
  /** `prisma migrate deploy`, for comparing its bookkeeping with ours. */
  applyMigrations(migrations: MigrationList): Promise<string[]>;
  /** Frees the engine and closes its connections (the engine holds Prisma Migrate's advisory lock). */
  close(): Promise<void>;
}

/**
 * Opens the WASM schema engine against `databaseUrl` (its shadow databases are created and
 * dropped on the same server). Close it when done.
 */
export async function openSchemaEngine(
  databaseUrl: string,
  schema: SchemaFile[],
): Promise<SchemaEngineSession> {
  const Engine = await engineClassOnce();
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    connectionTimeoutMillis: 10_000,
    application_name: 'tether-schema-engine',
  });
  const engine = await Engine.new(
    { datamodels: schema.map((f) => [f.path, f.content]) },
    () => {},
    await bindAdapter(pool),
  );
  return {
    async diff(from, to) {
      const res = await engine.diff({ from, to, script: true, exitCode: null, filters: NO_FILTER });
      return res.stdout ?? '';
    },
    async createMigration(name, migrationsList, files) {
      const res = await engine.createMigration({
        draft: false,
        migrationName: name,
        migrationsList,
        schema: { files },
        filters: NO_FILTER,
      });
      return res.migrationScript;
    },
    diagnose(migrationsList) {
      return engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: NO_FILTER,
      });
    },
    async applyMigrations(migrationsList) {
      const res = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
      return res.appliedMigrationNames;
    },
    async close() {
      engine.free();
      await pool.end();
    },
  };
}

/** The migrations directory in the shape the engine reads it. */
export async function readMigrationList(dir: string): Promise<MigrationList> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => {
      let content: MigrationFileEntry['content'];
      try {
        content = { tag: 'ok', value: await readFile(join(dir, name, 'migration.sql'), 'utf8') };
      } catch (err) {
        content = { tag: 'error', value: String(err) };
      }
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  let lock: string | null = null;
  try {
    lock = await readFile(join(dir, 'migration_lock.toml'), 'utf8');
  } catch {
    lock = null;
  }
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}
