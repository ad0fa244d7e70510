// Typed failures of talking to a cluster, with stable codes: workers and agents record `code`
// on the target and retry only what is `transient`.

export type KubeErrorCode =
  /** Connection refused, DNS failure, TLS handshake or verification failure, socket reset. */
  | 'cluster_unreachable'
  /** The call's deadline passed before the cluster answered. */
  | 'cluster_timeout'
  /** 401/403: the credentials are wrong or lack the permission. */
  | 'cluster_unauthorized'
  /** 409 from server-side apply: fields owned by another field manager. */
  | 'field_conflict'
  /** 409 that is not an apply conflict (optimistic concurrency, already exists). */
  | 'resource_conflict'
  /** 400/422: the object (or the request) is invalid. */
  | 'invalid_object'
  | 'not_found'
  /** 5xx and 429. */
  | 'server_error'
  /** The cluster does not serve this apiVersion/kind. */
  | 'unknown_kind'
  /** Other 4xx answers (405, 406, 410, 415...). */
  | 'request_rejected'
  /** The connection settings cannot work (no server, unreadable kubeconfig, http without opt-in). */
  | 'invalid_config'
  /** The destination namespace does not exist and creating it was not asked for. */
  | 'namespace_not_found'
  /** Applied objects did not become healthy within the wait. */
  | 'health_timeout'
  /** An applied object reports a failure it will not recover from on its own (ProgressDeadlineExceeded, a failed Job). */
  | 'health_degraded'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** A bug or an answer the engine cannot read. */
  | 'internal';

const TRANSIENT: ReadonlySet<KubeErrorCode> = new Set<KubeErrorCode>([
  'cluster_unreachable',
  'cluster_timeout',
  'server_error',
  'resource_conflict',
  // A slow rollout may finish; another attempt waits again.
  'health_timeout',
  // Nothing is wrong with the objects or the cluster; whoever cancelled decides about retrying.
  'cancelled',
]);

/** One field another manager owns, from a 409 apply conflict. */
export interface FieldConflict {
  manager: string;
  field: string;
  /** Set when the other manager wrote with an update (not an apply). */
  apiVersion?: string;
  subresource?: string;
}

export interface KubeErrorDetails {
  /** The API server's URL (never credentials). */
  server?: string;
  /** `Deployment shop/carts` and the like. */
  object?: string;
  /** metav1.Status reason (`Conflict`, `Invalid`, `NotFound`...) when the server answered. */
  reason?: string;
  /** metav1.Status details.causes, as the server sent them. */
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  conflicts?: FieldConflict[];
  /** The low-level error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, UND_ERR_SOCKET...). */
  errno?: string;
  [key: string]: unknown;
}

export interface KubeErrorOptions extends ErrorOptions {
  status?: number;
  details?: KubeErrorDetails;
  /** Overrides the code's default (e.g. a CRD's kind not served *yet* is transient). */
  transient?: boolean;
}

export class KubeError extends Error {
  readonly code: KubeErrorCode;
  readonly transient: boolean;
  /** HTTP status when the cluster answered. */
  readonly status: number | undefined;
  readonly details: KubeErrorDetails;

  constructor(code: KubeErrorCode, message: string, opts: KubeErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubeError';
    this.code = code;
    this.transient = opts.transient ?? TRANSIENT.has(code);
    this.status = opts.status;
    this.details = opts.details ?? {};
  }

  /** Plain data for logs, job results and API answers. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      transient: this.transient,
      ...(this.status === undefined ? {} : { status: this.status }),
      details: this.details,
    };
  }
}

export function isKubeError(err: unknown): err is KubeError {
  return err instanceof KubeError;
}

export function isTransientKubeError(err: unknown): boolean {
  return isKubeError(err) && err.transient;
}
