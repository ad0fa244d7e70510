// Maps what a request produced (an HTTP status with a metav1.Status body, or a network error)
// onto KubeError codes.
import { type FieldConflict, KubeError, type KubeErrorCode, type KubeErrorDetails } from './errors.ts';

interface StatusBody {
  message?: unknown;
  reason?: unknown;
  details?: { causes?: unknown };
}

type Cause = NonNullable<KubeErrorDetails['causes']>[number];

function causesOf(body: StatusBody | undefined): Cause[] {
  const raw = body?.details?.causes;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({
      ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
      ...(typeof c.message === 'string' ? { message: c.message } : {}),
      ...(typeof c.field === 'string' ? { field: c.field } : {}),
    }));
}

// The apiserver's wording: conflict with "mgr" [with subresource "s"] [using apps/v1 [at time]].
const CONFLICT =
  /^conflict with ("(?:[^"\\]|\\.)*")(?: with subresource ("(?:[^"\\]|\\.)*"))?(?: using (\S+))?/;

function parseQuoted(s: string): string {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'string' ? v : s;
  } catch {
    return s.slice(1, -1);
  }
}

/** The managers and fields of a 409 apply conflict; empty when the 409 is of another kind. */
export function parseFieldConflicts(causes: readonly Cause[]): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const c of causes) {
    if (c.reason !== 'FieldManagerConflict') continue;
    const m = CONFLICT.exec(c.message ?? '');
    const manager = m?.[1] ? parseQuoted(m[1]) : (c.message ?? 'unknown manager');
    out.push({
      manager,
      field: c.field ?? '',
      ...(m?.[3] ? { apiVersion: m[3] } : {}),
      ...(m?.[2] ? { subresource: parseQuoted(m[2]) } : {}),
    });
  }
  return out;
}

function codeForStatus(status: number): KubeErrorCode {
  if (status === 401 || status === 403) return 'cluster_unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'resource_conflict';
  if (status === 400 || status === 422) return 'invalid_object';
  if (status === 408) return 'cluster_timeout';
  if (status === 429 || status >= 500) return 'server_error';
  return 'request_rejected';
}

export interface RequestContextInfo {
  server: string;
  /** What was being done: `apply Deployment shop/carts`. */
  what: string;
  object?: string;
}

/** A non-2xx answer as a KubeError; `body` is the parsed JSON (a metav1.Status) or text. */
export function errorFromStatus(status: number, body: unknown, ctx: RequestContextInfo): KubeError {
  const st = typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
  const serverMessage =
    typeof st?.message === 'string' && st.message !== ''
      ? st.message
      : typeof body === 'string' && body.trim() !== ''
        ? body.trim().slice(0, 500)
        : `HTTP ${status}`;
  const causes = causesOf(st);
  const details: KubeErrorDetails = {
    server: ctx.server,
    ...(ctx.object ? { object: ctx.object } : {}),
    ...(typeof st?.reason === 'string' ? { reason: st.reason } : {}),
    ...(causes.length > 0 ? { causes } : {}),
  };
  let code = codeForStatus(status);
  let message = `${ctx.what}: ${serverMessage}`;
  if (status === 409) {
    const conflicts = parseFieldConflicts(causes);
    if (conflicts.length > 0) {
      code = 'field_conflict';
      details.conflicts = conflicts;
      const managers = [...new Set(conflicts.map((c) => c.manager))];
      const fields = conflicts.map((c) => c.field).join(', ');
      message = `${ctx.what}: fields owned by ${managers.map((m) => `"${m}"`).join(', ')}: ${fields}`;
    }
  }
  if (code === 'cluster_unauthorized') message = `${ctx.what}: ${status} ${serverMessage}`;
  return new KubeError(code, message, { status, details });
}

const TLS_CODES =
  /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** The innermost `code` along the cause chain (undici wraps socket errors in TypeError('fetch failed')). */
function errnoOf(err: unknown): { errno?: string; message: string } {
  let cur: unknown = err;
  let found: { errno?: string; message: string } = { message: String(err) };
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string') found = { errno: code, message: cur.message };
      else if (found.errno === undefined) found = { message: cur.message };
      cur = cur.cause;
    } else {
      break;
    }
  }
  return found;
}

/** A request that produced no HTTP answer: the cluster could not be reached (all transient). */
export function errorFromNetwork(err: unknown, ctx: RequestContextInfo): KubeError {
  const { errno, message } = errnoOf(err);
  const tls = errno !== undefined && TLS_CODES.test(errno);
  const details: KubeErrorDetails = {
    server: ctx.server,
    ...(ctx.object ? { object: ctx.object } : {}),
    ...(errno ? { errno } : {}),
    ...(tls ? { tls: true } : {}),
  };
  const what = tls ? 'TLS handshake with' : 'connection to';
  const reason = errno === undefined || message.includes(errno) ? message : `${message} (${errno})`;
  return new KubeError('cluster_unreachable', `${ctx.what}: ${what} ${ctx.server} failed: ${reason}`, {
    details,
    cause: err,
  });
}
