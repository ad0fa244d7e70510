// Contract of the server-side-apply module (implementation in this folder).
// The HTTP layer owns identity and server-set metadata (uid, resourceVersion, generation,
// creationTimestamp, deletionTimestamp) and the status subresource; this module owns
// field ownership (managedFields) and the merge semantics of apply and of the patch types.

export { applyConfiguration, recordUpdate } from './apply.ts';
export { conflictMessage, conflictStatus } from './conflict.ts';
export type { ApplyInput, ApplyOutcome, Conflict, UpdateInput } from './contract.ts';
export { ApplyError } from './errors.ts';
export { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.ts';
