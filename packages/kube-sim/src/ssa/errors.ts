// Errors the HTTP layer maps to API statuses.

/** A malformed applied configuration (the apiserver rejects it before merging, with a 500). */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

/** An invalid patch document or a failed JSON-patch test (the apiserver answers 422 or 400). */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}
