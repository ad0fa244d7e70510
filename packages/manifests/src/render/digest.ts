import { createHash } from 'node:crypto';
import { type KubeObject, objectKey, type RenderedObject } from './types.ts';

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 (hex) of the rendered set: objects sorted by key, content only (not where they came
 * from), so two renders with the same objects have the same digest whatever their file layout.
 */
export function bundleDigest(objects: readonly (RenderedObject | KubeObject)[]): string {
  const manifests = objects.map((o) => ('manifest' in o && 'source' in o ? o.manifest : o) as KubeObject);
  const sorted = manifests
    .map((m) => ({ key: objectKey(m), m }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.m);
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}
