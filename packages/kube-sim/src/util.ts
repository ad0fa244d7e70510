// Small helpers shared by every module: time formatting, ids, JSON-value utilities.
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

/** RFC 3339 with second precision, as the apiserver serialises metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newUid(): string {
  return randomUUID();
}

// The alphabet and length the apiserver uses for generateName suffixes (no vowels, no 0/1/3).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return out;
}

/** A stable pseudo hash rendered in the same alphabet, e.g. for pod-template-hash style names. */
export function stableSuffix(input: string, length = 10): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  let out = '';
  let a = h1;
  let b = h2;
  for (let i = 0; i < length; i++) {
    const v = i % 2 === 0 ? a : b;
    out += NAME_ALPHABET[v % NAME_ALPHABET.length];
    if (i % 2 === 0) a = Math.floor(a / NAME_ALPHABET.length) ^ (b << 3);
    else b = Math.floor(b / NAME_ALPHABET.length) ^ (a << 5);
    a >>>= 0;
    b >>>= 0;
  }
  return out;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a dotted path ("spec.template.spec") from a JSON value. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
