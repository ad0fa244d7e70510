export {
  type ApplyAction,
  type ApplyBundleOptions,
  type ApplyBundleResult,
  type ApplyProgress,
  applyBundle,
  type ObjectResult,
} from './apply.ts';
export { parseFieldConflicts } from './classify.ts';
export {
  type ApplyOptions,
  type CallOptions,
  type DeleteOptions,
  describeRef,
  HttpKubeClient,
  type KubeClient,
  type ListQuery,
  type ObjectRef,
  refOf,
} from './client.ts';
export { type FieldChange, fieldChanges } from './compare.ts';
export {
  buildKubeConfig,
  type ClusterConnection,
  type ConnectOptions,
  connectCluster,
  DEFAULT_TIMEOUT_MS,
  type InClusterConnection,
  type KubeconfigConnection,
  type ServerConnection,
} from './connection.ts';
export {
  type DiffAction,
  type DiffBundleOptions,
  type DiffResult,
  diffBundle,
  type ObjectDiff,
} from './diff.ts';
export { type ApiResource, type DiscoveryOptions, splitApiVersion } from './discovery.ts';
export { type DetectDriftOptions, type DriftResult, detectDrift, type ObjectDrift } from './drift.ts';
export {
  type FieldConflict,
  isKubeError,
  isTransientKubeError,
  KubeError,
  type KubeErrorCode,
  type KubeErrorDetails,
} from './errors.ts';
export {
  type ObjectHealth,
  type WaitHealthyOptions,
  type WaitHealthyResult,
  waitHealthy,
} from './health.ts';
export { assessHealth, type Health, type HealthStatus } from './health-rules.ts';
export { type InventoryEntry, type InventorySource, inventoryKey, inventoryOf } from './inventory.ts';
export {
  APPLICATION_LABEL,
  FIELD_MANAGER,
  isOwnedBy,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  ownershipLabels,
  ownershipSelector,
  TETHER_LABELS,
  withOwnershipLabels,
} from './labels.ts';
export {
  type EnsureNamespaceOptions,
  type EnsureNamespaceResult,
  ensureNamespace,
} from './namespace.ts';
export { type Observation, type ObserveBundleOptions, type ObservedDrift, observeBundle } from './observe.ts';
export { type ForeignOwner, fieldPaths, foreignOwners, pruneBlocker } from './ownership.ts';
export {
  type PruneAction,
  type PruneObjectResult,
  type PruneOptions,
  type PruneProgress,
  type PruneResult,
  prune,
} from './prune.ts';
export { type PruneCandidate, type PrunePlan, type PrunePlanOptions, planPrune } from './prune-plan.ts';
export { type SyncInput, type SyncObjectResult, type SyncOutcome, syncBundle } from './sync.ts';
