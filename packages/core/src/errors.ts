// Stable error codes shared by every component. The API maps them to HTTP statuses;
// workers and agents record them on targets. Codes never change once published.
export const ERROR_CODES = {
  invalid_request: 400,
  invalid_manifest: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  already_exists: 409,
  /** An agent's lease on a target was lost (expired and re-claimed): stop, do not report. */
  lease_lost: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  ref_not_found: 422,
  rate_limited: 429,
  internal: 500,
  repo_unreachable: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose code is safe to show to API callers. */
export class TetherError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TetherError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function isTetherError(err: unknown): err is TetherError {
  return err instanceof TetherError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
