// The one place the HTTP layer calls the server-side-apply module (field ownership and patch
// semantics), mapping its errors to API statuses.
import { ApiError, badRequest, internalError, type StatusDetails } from '../errors.ts';
import {
  ApplyError,
  type ApplyOutcome,
  applyConfiguration,
  type Conflict,
  conflictStatus,
  jsonPatch,
  mergePatch,
  PatchError,
  recordUpdate,
  strategicMergePatch,
} from '../ssa/index.ts';
import type { KubeObject } from '../types.ts';

/** Which subresource a write went through; recorded in managedFields as the apiserver does. */
export type Subresource = 'status' | 'scale' | undefined;

export function apply(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force: boolean,
  now: string,
  subresource: Subresource,
): ApplyOutcome {
  try {
    return applyConfiguration({ live, config, manager, force, now, subresource });
  } catch (err) {
    // A malformed configuration (e.g. a list item without its merge key): the apiserver's 500.
    if (err instanceof ApplyError) throw internalError(err.message);
    throw err;
  }
}

/** Recomputes managedFields of `after` for a non-apply write by `manager`. */
export function withUpdateRecorded(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  now: string,
  subresource: Subresource,
): KubeObject {
  return recordUpdate({ before, after, manager, now, subresource });
}

/** The 409 of an apply conflict, worded as the apiserver does. */
export function conflictError(conflicts: Conflict[]): ApiError {
  // The apiserver names managers by identifiers built without a time (BuildManagerIdentifier),
  // so real messages read `conflict with "kubectl-edit" using apps/v1`, never "... at <time>".
  const untimed = conflicts.map(({ time: _time, ...c }) => c);
  const status = conflictStatus(untimed) as { message: string; details: StatusDetails };
  return new ApiError(409, 'Conflict', status.message, status.details);
}

export type PatchKind = 'merge' | 'json' | 'strategic';

// Decoding problems are 400s; a patch that does not apply to the object is a 422.
const DECODE_ERRORS = [
  /^a JSON patch must be an array/,
  /^operation \d+/,
  /^unexpected kind of operation/,
  /^invalid JSON document/,
];

function patchFailure(err: unknown): unknown {
  if (err instanceof PatchError) {
    if (DECODE_ERRORS.some((re) => re.test(err.message))) return badRequest(err.message);
    return new ApiError(422, 'Invalid', err.message);
  }
  return err;
}

export function applyPatch(kind: PatchKind, target: KubeObject, patch: unknown): KubeObject {
  try {
    switch (kind) {
      case 'merge':
        return mergePatch(target, patch);
      case 'json':
        return jsonPatch(target, patch);
      default:
        return strategicMergePatch(target, patch);
    }
  } catch (err) {
    throw patchFailure(err);
  }
}
