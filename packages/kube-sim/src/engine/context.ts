// What every engine operation needs to know about the request it serves.
import type { ClusterUser, VirtualCluster } from '../cluster.ts';
import type { GroupResource } from '../errors.ts';
import type { ResourceDef } from '../registry.ts';
import { groupVersion } from '../registry.ts';
import type { KubeObject } from '../types.ts';
import { rfc3339 } from '../util.ts';

export interface OpContext {
  cluster: VirtualCluster;
  def: ResourceDef;
  /** Field manager for writes: the fieldManager parameter or the User-Agent's program name. */
  manager: string;
  dryRun: boolean;
  user?: ClusterUser | undefined;
}

export function grOf(def: ResourceDef): GroupResource {
  return { group: def.group, resource: def.resource };
}

export function nowIso(ctx: OpContext): string {
  return rfc3339(ctx.cluster.now());
}

/** The object as the requested version presents it (custom resources may serve several versions). */
export function asServed(obj: KubeObject, def: ResourceDef): KubeObject {
  const apiVersion = groupVersion(def);
  if (obj.apiVersion === apiVersion) return obj;
  return { ...obj, apiVersion };
}
