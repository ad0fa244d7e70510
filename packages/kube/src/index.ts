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
export { type ApiResource, type DiscoveryOptions, splitApiVersion } from './discovery.ts';
export {
  type FieldConflict,
  isKubeError,
  isTransientKubeError,
  KubeError,
  type KubeErrorCode,
  type KubeErrorDetails,
} from './errors.ts';
export { type InventoryEntry, inventoryOf } from './inventory.ts';
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
