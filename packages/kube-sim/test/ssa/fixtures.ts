// Shared helpers for the server-side apply tests: the real manifests of the corpus, and
// deep-freezing to prove the module never mutates its inputs.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { FieldsV1, KubeObject, ManagedFieldsEntry } from '../../src/types.ts';

const CORPUS = '/work/shared/corpus/manifests';

/** All documents of a manifest file in the corpus. */
export function manifests(path: string): KubeObject[] {
  const text = readFileSync(`${CORPUS}/${path}`, 'utf8');
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((doc): doc is KubeObject => doc !== null);
}

export function manifest(path: string): KubeObject {
  const [first] = manifests(path);
  if (!first) throw new Error(`no document in ${path}`);
  return first;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function entries(obj: KubeObject): ManagedFieldsEntry[] {
  return obj.metadata.managedFields ?? [];
}

/** The FieldsV1 of one manager's entry (by manager and operation). */
export function fieldsOf(obj: KubeObject, manager: string, operation = 'Apply'): FieldsV1 | undefined {
  return entries(obj).find((e) => e.manager === manager && e.operation === operation)?.fieldsV1;
}

export function managersOf(obj: KubeObject): string[] {
  return entries(obj).map((e) => `${e.manager}/${e.operation}`);
}
