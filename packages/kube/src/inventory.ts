// The objects an apply left in the cluster: what a later prune compares the cluster against.
import { groupOf } from '@tether/manifests';

export interface InventoryEntry {
  /** `group/Kind/namespace/name`, the same key as @tether/manifests' objectKey. */
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** An apply result (ObjectResult) or a prune result (PruneObjectResult). */
export interface InventorySource {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  action: string;
}

// Objects that are in the cluster and the application's afterwards. Orphans (prune off) stay:
// a later prune with prune on must still find them.
const KEPT = new Set(['created', 'configured', 'unchanged', 'orphaned']);

/** The key of an object: `group/Kind/namespace/name`. */
export function inventoryKey(ref: {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}) {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/**
 * The objects present after an apply and/or a prune, sorted by key, one entry per object: failed,
 * pruned and skipped (not the application's) ones excluded.
 */
export function inventoryOf(results: readonly InventorySource[]): InventoryEntry[] {
  const byKey = new Map<string, InventoryEntry>();
  for (const r of results) {
    if (!KEPT.has(r.action)) continue;
    const key = inventoryKey(r);
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
