// The objects an apply left in the cluster: what a later prune compares the cluster against.
import { groupOf } from '@tether/manifests';
import type { ObjectResult } from './apply.ts';

export interface InventoryEntry {
  /** `group/Kind/namespace/name`, the same key as @tether/manifests' objectKey. */
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The applied objects (failed ones excluded), sorted by key, one entry per object. */
export function inventoryOf(results: readonly ObjectResult[]): InventoryEntry[] {
  const byKey = new Map<string, InventoryEntry>();
  for (const r of results) {
    if (r.action === 'failed') continue;
    const key = `${groupOf(r.apiVersion)}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
    byKey.set(key, {
      key,
      apiVersion: r.apiVersion,
      kind: r.kind,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      name: r.name,
    });
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
