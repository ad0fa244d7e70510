// The destination namespace of a target: created when the application asks for it, otherwise
// required to exist. A created namespace carries managed-by=tether but no application label, so
// no application's prune ever deletes it (several applications may share it).
import type { KubeClient } from './client.ts';
import { KubeError } from './errors.ts';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels.ts';

export interface EnsureNamespaceOptions {
  client: KubeClient;
  name: string;
  /** Create it when missing (the application's createNamespace); false: fail with namespace_not_found. */
  create: boolean;
  fieldManager?: string;
  signal?: AbortSignal | undefined;
}

export interface EnsureNamespaceResult {
  /** True when this call created the namespace. */
  created: boolean;
}

export async function ensureNamespace(opts: EnsureNamespaceOptions): Promise<EnsureNamespaceResult> {
  const { client, name, signal } = opts;
  const ref = { apiVersion: 'v1', kind: 'Namespace', name };
  const live = await client.get(ref, { signal });
  if (live) {
    const phase = (live.status as { phase?: unknown } | undefined)?.phase;
    if (phase === 'Terminating') {
      // Nothing can be created in it until it is gone; another attempt may find it recreated.
      throw new KubeError('resource_conflict', `namespace "${name}" is being deleted on ${client.server}`, {
        details: { server: client.server, object: `Namespace ${name}` },
      });
    }
    return { created: false };
  }
  if (!opts.create) {
    throw new KubeError(
      'namespace_not_found',
      `namespace "${name}" does not exist on ${client.server} and the application does not create it`,
      { details: { server: client.server, object: `Namespace ${name}`, namespace: name } },
    );
  }
  await client.apply(
    { ...ref, metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } },
    { fieldManager: opts.fieldManager ?? FIELD_MANAGER, signal },
  );
  return { created: true };
}
