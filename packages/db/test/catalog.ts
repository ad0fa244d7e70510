// What PostgreSQL says a database's public schema contains, in comparable form.
import pg from 'pg';

export interface Column {
  type: string;
  nullable: boolean;
  default: string | null;
}

export interface Index {
  table: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  predicate: string | null;
  method: string;
}

export interface ForeignKey {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface Catalog {
  tables: Record<string, Record<string, Column>>;
  enums: Record<string, string[]>;
  indexes: Record<string, Index>;
  foreignKeys: Record<string, ForeignKey>;
  /** Constraints other than primary and foreign keys (Prisma makes unique *indexes*). */
  otherConstraints: string[];
}

const ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

const IGNORED_TABLES = new Set(['_prisma_migrations']);

export async function readCatalog(url: string): Promise<Catalog> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const catalog: Catalog = { tables: {}, enums: {}, indexes: {}, foreignKeys: {}, otherConstraints: [] };
    const cols = await client.query<{ table: string; column: string } & Column>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`);
    for (const r of cols.rows) {
      if (IGNORED_TABLES.has(r.table)) continue;
      catalog.tables[r.table] ??= {};
      const table = catalog.tables[r.table];
      if (table) table[r.column] = { type: r.type, nullable: r.nullable, default: r.default };
    }
    const enums = await client.query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' GROUP BY t.typname`);
    for (const r of enums.rows) catalog.enums[r.name] = r.values;
    const idx = await client.query<{ name: string } & Index>(`
      SELECT i.relname AS name, t.relname AS table, ix.indisunique AS unique, ix.indisprimary AS primary,
             pg_get_expr(ix.indpred, ix.indrelid) AS predicate, am.amname AS method,
             array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                    ORDER BY k.ord) AS columns
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_am am ON am.oid = i.relam
       WHERE n.nspname = 'public'`);
    for (const { name, ...r } of idx.rows) if (!IGNORED_TABLES.has(r.table)) catalog.indexes[name] = r;
    const cons = await client.query<{
      name: string;
      type: string;
      table: string;
      columns: string[];
      ref_table: string | null;
      ref_columns: string[] | null;
      on_delete: string;
      on_update: string;
    }>(`
      SELECT c.conname AS name, c.contype::text AS type, t.relname AS table, rt.relname AS ref_table,
             array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
             array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
             c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_class rt ON rt.oid = c.confrelid
       WHERE n.nspname = 'public'`);
    for (const r of cons.rows) {
      if (IGNORED_TABLES.has(r.table)) continue;
      if (r.type === 'f') {
        catalog.foreignKeys[r.name] = {
          table: r.table,
          columns: r.columns,
          refTable: r.ref_table ?? '',
          refColumns: r.ref_columns ?? [],
          onDelete: ACTIONS[r.on_delete] ?? r.on_delete,
          onUpdate: ACTIONS[r.on_update] ?? r.on_update,
        };
      } else if (r.type !== 'p') {
        catalog.otherConstraints.push(`${r.table}.${r.name} (${r.type})`);
      }
    }
    return catalog;
  } finally {
    await client.end();
  }
}
