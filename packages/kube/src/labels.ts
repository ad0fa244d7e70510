// What marks an object as Tether's: the labels every applied object carries, so a later prune
// can list an application's objects across the cluster and compare them with the inventory.
import type { KubeObject } from '@tether/manifests';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'tether';
export const APPLICATION_LABEL = 'tether.dev/application';
/** The default server-side apply field manager. */
export const FIELD_MANAGER = 'tether';

export const TETHER_LABELS = {
  managedBy: MANAGED_BY_LABEL,
  managedByValue: MANAGED_BY_VALUE,
  application: APPLICATION_LABEL,
} as const;

/** The labels Tether puts on every object of `application`. */
export function ownershipLabels(application: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [APPLICATION_LABEL]: application };
}

/** A label selector matching the objects of `application` (for list, before a prune). */
export function ownershipSelector(application: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${APPLICATION_LABEL}=${application}`;
}

/** A copy of `obj` with the ownership labels merged over its own; `obj` is not changed. */
export function withOwnershipLabels(obj: KubeObject, application: string): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...(obj.metadata.labels ?? {}), ...ownershipLabels(application) },
    },
  };
}

/** Whether an object from the cluster carries Tether's labels for `application`. */
export function isOwnedBy(obj: KubeObject, application: string): boolean {
  const labels = obj.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[APPLICATION_LABEL] === application;
}
