// The apiserver's 409 for apply conflicts (fieldmanager NewConflictError), so the HTTP layer can
// answer exactly what kubectl and client libraries parse.
import type { Conflict } from './contract.ts';

function printManager(c: Conflict): string {
  let out = JSON.stringify(c.manager);
  if (c.subresource) out = `${out} with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update') {
    return c.time ? `${out} using ${c.apiVersion} at ${c.time}` : `${out} using ${c.apiVersion}`;
  }
  return out;
}

/** "Apply failed with N conflicts: ..." exactly as the apiserver words it. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    return `Apply failed with 1 conflict: conflict with ${printManager(only)}: ${only.field}`;
  }
  const byManager = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const key = printManager(c);
    byManager.set(key, [...(byManager.get(key) ?? []), c]);
  }
  const lines: string[] = [];
  for (const key of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${key}:`);
    for (const c of byManager.get(key) ?? []) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The metav1.Status body of the 409 response. */
export function conflictStatus(conflicts: readonly Conflict[]): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: conflictMessage(conflicts),
    reason: 'Conflict',
    details: {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${printManager(c)}`,
        field: c.field,
      })),
    },
    code: 409,
  };
}
