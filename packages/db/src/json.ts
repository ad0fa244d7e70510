// JSON helpers for JSONB columns and the audit hash chain.
import type { Prisma } from '../generated/prisma/client.ts';

export type JsonObject = { [key: string]: Prisma.JsonValue };

/**
 * The value as it will come back from a JSONB column: Dates become ISO strings, undefined
 * members vanish. Hashing this (not the caller's object) keeps the chain verifiable later.
 */
export function toJson<T>(value: T): Prisma.InputJsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return JSON.parse(text) as Prisma.InputJsonValue;
}

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot canonicalise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
