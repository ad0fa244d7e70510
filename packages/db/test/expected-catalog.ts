// The catalog schema.prisma implies, derived from Prisma's own parser (getDMMF, WASM, offline)
// with Prisma's PostgreSQL conventions: table/column names, types, NOT NULL, defaults, enums,
// "<Table>_pkey", "<Table>_<cols>_key" unique indexes, "<Table>_<cols>_idx", "<Table>_<cols>_fkey".
// Anything the mapping below does not know fails loudly, so a new kind of field extends the test
// rather than slipping past it.
import { readFile } from 'node:fs/promises';
import internals from '@prisma/internals';
import type { Catalog, Column, ForeignKey, Index } from './catalog.ts';

type Dmmf = Awaited<ReturnType<typeof internals.getDMMF>>;
type Model = Dmmf['datamodel']['models'][number];
type Field = Model['fields'][number];

export async function loadDmmf(schemaPath: string): Promise<Dmmf> {
  return internals.getDMMF({ datamodel: await readFile(schemaPath, 'utf8') });
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  Float: 'double precision',
  Json: 'jsonb',
  Bytes: 'bytea',
  DateTime: 'timestamp(3) without time zone',
};

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`;
}

function columnType(f: Field): string {
  let base: string;
  if (f.kind === 'enum') {
    base = quoteIdent(f.type);
  } else if (f.nativeType) {
    const [name, args] = f.nativeType as [string, string[]];
    if (name === 'Timestamptz') base = `timestamp(${args[0] ?? '6'}) with time zone`;
    else if (name === 'Timestamp') base = `timestamp(${args[0] ?? '6'}) without time zone`;
    else throw new Error(`expected-catalog: native type @db.${name} on ${f.name} is not mapped yet`);
  } else {
    const t = SCALAR_TYPES[f.type];
    if (t === undefined) throw new Error(`expected-catalog: type ${f.type} of ${f.name} is not mapped yet`);
    base = t;
  }
  return f.isList ? `${base}[]` : base;
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function columnDefault(f: Field, model: string): string | null {
  if (!f.hasDefaultValue || f.default === undefined) return null;
  const d = f.default as unknown;
  if (typeof d === 'object' && d !== null && !Array.isArray(d) && 'name' in d) {
    if ((d as { name: string }).name === 'now') return 'CURRENT_TIMESTAMP';
    throw new Error(`expected-catalog: default function on ${model}.${f.name} is not mapped yet`);
  }
  if (Array.isArray(d)) {
    if (d.length === 0) return `ARRAY[]::${columnType(f)}`;
    throw new Error(`expected-catalog: non-empty list default on ${model}.${f.name} is not mapped yet`);
  }
  if (f.kind === 'enum') return `${sqlLiteral(String(d))}::${quoteIdent(f.type)}`;
  switch (f.type) {
    case 'Boolean':
    case 'Int':
    case 'BigInt':
    case 'Float':
      return String(d);
    case 'String':
      return `${sqlLiteral(String(d))}::text`;
    case 'Json':
      return `${sqlLiteral(String(d))}::jsonb`;
    default:
      throw new Error(`expected-catalog: default on ${model}.${f.name} (${f.type}) is not mapped yet`);
  }
}

export interface ExpectedCatalog extends Omit<Catalog, 'indexes'> {
  /** As Catalog's, minus partial-index predicates, which DMMF does not carry. */
  indexes: Record<string, Omit<Index, 'predicate'>>;
}

export function expectedCatalog(dmmf: Dmmf): ExpectedCatalog {
  const out: ExpectedCatalog = { tables: {}, enums: {}, indexes: {}, foreignKeys: {}, otherConstraints: [] };
  for (const e of dmmf.datamodel.enums)
    out.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  const tableOf = new Map<string, string>();
  const columnOf = new Map<string, string>();
  for (const m of dmmf.datamodel.models) {
    tableOf.set(m.name, m.dbName ?? m.name);
    for (const f of m.fields) columnOf.set(`${m.name}.${f.name}`, f.dbName ?? f.name);
  }
  const col = (model: string, field: string): string => {
    const c = columnOf.get(`${model}.${field}`);
    if (c === undefined) throw new Error(`unknown field ${model}.${field}`);
    return c;
  };

  for (const m of dmmf.datamodel.models) {
    const table = tableOf.get(m.name) ?? m.name;
    const columns: Record<string, Column> = {};
    for (const f of m.fields) {
      if (f.kind === 'object') continue;
      columns[f.dbName ?? f.name] = {
        type: columnType(f),
        // Prisma creates scalar-list columns without NOT NULL.
        nullable: f.isList ? true : !f.isRequired,
        default: columnDefault(f, m.name),
      };
    }
    out.tables[table] = columns;

    for (const f of m.fields) {
      if (f.kind !== 'object' || !f.relationFromFields || f.relationFromFields.length === 0) continue;
      const from = f.relationFromFields.map((x) => col(m.name, x));
      const requiredFrom = f.relationFromFields.every((x) => m.fields.find((g) => g.name === x)?.isRequired);
      const fk: ForeignKey = {
        table,
        columns: from,
        refTable: tableOf.get(f.type) ?? f.type,
        refColumns: (f.relationToFields ?? []).map((x) => col(f.type, x)),
        onDelete: f.relationOnDelete ?? (requiredFrom ? 'Restrict' : 'SetNull'),
        onUpdate: (f as { relationOnUpdate?: string }).relationOnUpdate ?? 'Cascade',
      };
      out.foreignKeys[`${table}_${from.join('_')}_fkey`] = fk;
    }
  }

  for (const ix of dmmf.datamodel.indexes) {
    const table = tableOf.get(ix.model) ?? ix.model;
    const columns = ix.fields.map((f) => col(ix.model, f.name));
    const explicit = (ix as { dbName?: string | null }).dbName;
    if (ix.type === 'id') {
      out.indexes[explicit ?? `${table}_pkey`] = {
        table,
        columns,
        unique: true,
        primary: true,
        method: 'btree',
      };
    } else if (ix.type === 'unique') {
      out.indexes[explicit ?? `${table}_${columns.join('_')}_key`] = {
        table,
        columns,
        unique: true,
        primary: false,
        method: 'btree',
      };
    } else if (ix.type === 'normal') {
      out.indexes[explicit ?? `${table}_${columns.join('_')}_idx`] = {
        table,
        columns,
        unique: false,
        primary: false,
        method: (ix as { algorithm?: string }).algorithm?.toLowerCase() ?? 'btree',
      };
    } else {
      throw new Error(`expected-catalog: index type ${ix.type} on ${ix.model} is not mapped yet`);
    }
  }
  for (const name of Object.keys(out.indexes)) {
    if (name.length > 63)
      throw new Error(`expected-catalog: ${name} exceeds 63 chars; Prisma would truncate it`);
  }
  return out;
}
