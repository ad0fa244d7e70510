// The agent's only connection to the world outside its cluster: HTTP(S) calls to the control
// plane's /agent/v1 (docs/AGENT-PROTOCOL.md), each with a deadline, through an HTTP proxy when
// HTTPS_PROXY / HTTP_PROXY say so (and NO_PROXY does not exempt the host).
import type { AgentJob, BundleRef, InventoryRef } from '@tether/core';
import { type Dispatcher, EnvHttpProxyAgent, request } from 'undici';

export const AGENT_VERSION = '0.1.0';

/** A failed call. status 0: no answer (unreachable, timed out); `transient`: worth retrying. */
export class AgentApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly transient: boolean;
  constructor(status: number, code: string, message: string, transient: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AgentApiError';
    this.status = status;
    this.code = code;
    this.transient = transient;
  }
}

export function isApiError(err: unknown, code?: string): err is AgentApiError {
  return err instanceof AgentApiError && (code === undefined || err.code === code);
}

export interface Registration {
  agentId: string;
  clusterId: string;
  /** The cluster's name. */
  cluster: string;
  credential: string;
  signingPublicKey: string;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
}

/** A claimed job as the agent reads it; `inventory` may be absent from an older control plane. */
export type Job = Omit<AgentJob, 'inventory'> & { inventory?: InventoryRef[] };

export type { BundleRef, InventoryRef };

/** A diff request: what applying this bundle would change on this cluster (nothing is applied). */
export interface DiffRequest {
  requestId: string;
  application: string;
  namespace: string;
  sha: string;
  bundle: BundleRef;
  inventory: InventoryRef[];
  /** The control plane stops waiting then (ms since epoch; NaN when not said). */
  expiresAt: number;
}

export type Claimed = { job: Job } | { diff: DiffRequest };

export interface ClaimOptions {
  /** Also take diff requests (the agent says it answers them: capabilities ["diff"]). */
  diffs: boolean;
  /** False: diff requests only (a job is running). */
  jobs: boolean;
}

/** What the cluster should hold for one application: the bundle it last applied here. */
export interface DesiredItem {
  application: string;
  applicationId?: string;
  namespace: string;
  sha: string;
  bundle: BundleRef;
  selfHeal: boolean;
}

export interface DriftReport {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  changes: Array<{ path: string; from?: unknown; to?: unknown }>;
  missing?: true;
}

export interface ObservationReport {
  application: string;
  applicationId?: string;
  sha: string;
  drift: DriftReport[];
  health: 'healthy' | 'progressing' | 'degraded';
  healthReason?: string;
}

export interface ObservationAnswer {
  recorded: boolean;
  skipped?: string;
  selfHealDeploymentId?: string;
}

export interface DiffObjectReport {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: string;
  changes?: Array<{ path: string; from?: unknown; to?: unknown }>;
  conflicts?: unknown[];
  reason?: string;
}

export type DiffAnswer = { objects: DiffObjectReport[] } | { error: { code: string; message: string } };

export interface ObjectReport {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: string;
  error?: string;
}

export interface ResultReport {
  targetId: string;
  epoch: number;
  status: 'succeeded' | 'failed';
  objects: ObjectReport[];
  error?: { code: string; message: string; transient: boolean };
}

export interface ClientOptions {
  url: string;
  /** Deadline of every call except the claim's long poll, which gets wait + this. */
  timeoutMs: number;
  httpsProxy?: string | undefined;
  httpProxy?: string | undefined;
  noProxy?: string | undefined;
  /** Largest bundle accepted, in bytes (default 64 MiB). */
  maxBundleBytes?: number;
}

export interface AgentClient {
  setCredential(credential: string): void;
  register(bootstrapToken: string, signal?: AbortSignal): Promise<Registration>;
  /**
   * The next job (or, with `diffs`, diff request) of this agent's cluster, or undefined when
   * `waitSeconds` passed without one.
   */
  claim(waitSeconds: number, signal?: AbortSignal, opts?: ClaimOptions): Promise<Claimed | undefined>;
  heartbeat(
    lease: { targetId: string; epoch: number },
    signal?: AbortSignal,
  ): Promise<{ leaseExpiresAt: string; cancel: boolean }>;
  result(report: ResultReport, signal?: AbortSignal): Promise<void>;
  bundle(digest: string, signal?: AbortSignal): Promise<{ bytes: Buffer; signature: string | undefined }>;
  /** The bundle each application last applied on this cluster (for drift checks). */
  desired(signal?: AbortSignal): Promise<DesiredItem[]>;
  observe(report: ObservationReport, signal?: AbortSignal): Promise<ObservationAnswer>;
  /** Answers a diff request; 404 (not_found) when the control plane no longer waits for it. */
  answerDiff(requestId: string, answer: DiffAnswer, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export function createAgentClient(opts: ClientOptions): AgentClient {
  const base = new URL('/agent/v1/', opts.url);
  // Explicit values ('' = none) so the validated config, not a second read of the env, decides.
  const dispatcher: Dispatcher = new EnvHttpProxyAgent({
    httpProxy: opts.httpProxy ?? '',
    httpsProxy: opts.httpsProxy ?? '',
    noProxy: opts.noProxy ?? '',
    connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
  });
  const maxBundle = opts.maxBundleBytes ?? 64 * 1024 * 1024;
  let credential: string | undefined;

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    o: { signal?: AbortSignal | undefined; timeoutMs?: number; auth?: boolean; maxBytes?: number },
  ): Promise<{ status: number; bytes: Buffer; headers: Record<string, string | string[] | undefined> }> {
    const timeoutMs = o.timeoutMs ?? opts.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `tether-agent/${AGENT_VERSION}`,
    };
    if (o.auth !== false) {
      if (!credential) throw new AgentApiError(401, 'unauthorized', 'no agent credential yet', false);
      headers.authorization = `Bearer ${credential}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(path, base);
    try {
      const res = await request(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const bytes = await readLimited(res.body, o.maxBytes ?? 4 * 1024 * 1024);
      if (res.statusCode >= 400) throw apiError(res.statusCode, bytes, method, url.pathname);
      return { status: res.statusCode, bytes, headers: res.headers };
    } catch (err) {
      if (err instanceof AgentApiError) throw err;
      if (o.signal?.aborted) throw new AgentApiError(0, 'aborted', 'request aborted', false, { cause: err });
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : describe(err);
      throw new AgentApiError(0, 'unreachable', `${method} ${url.pathname}: ${why}`, true, { cause: err });
    }
  }

  return {
    setCredential(c) {
      credential = c;
    },
    async register(bootstrapToken, signal) {
      const res = await call(
        'POST',
        'register',
        { bootstrapToken, version: AGENT_VERSION },
        { signal, auth: false },
      );
      return parseRegistration(json(res.bytes));
    },
    async claim(waitSeconds, signal, claimOpts) {
      const res = await call(
        'POST',
        'claim',
        {
          wait: waitSeconds,
          ...(claimOpts?.diffs ? { capabilities: ['diff'] } : {}),
          ...(claimOpts?.jobs === false ? { jobs: false } : {}),
        },
        { signal, timeoutMs: waitSeconds * 1000 + opts.timeoutMs },
      );
      if (res.status === 204) return undefined;
      const body = json(res.bytes);
      if (isRecord(body) && isRecord(body.job)) return { job: parseJob(body.job) };
      if (isRecord(body) && isRecord(body.diff)) return { diff: parseDiff(body.diff) };
      throw badAnswer('claim', 'no job');
    },
    async heartbeat(lease, signal) {
      const res = await call('POST', 'heartbeat', lease, { signal });
      const body = json(res.bytes);
      if (!isRecord(body)) throw badAnswer('heartbeat', 'not an object');
      return {
        leaseExpiresAt: typeof body.leaseExpiresAt === 'string' ? body.leaseExpiresAt : '',
        cancel: body.cancel === true,
      };
    },
    async result(report, signal) {
      await call('POST', 'result', report, { signal });
    },
    async bundle(digest, signal) {
      const res = await call('GET', `bundles/${encodeURIComponent(digest)}`, undefined, {
        signal,
        maxBytes: maxBundle,
      });
      const sig = res.headers['x-tether-signature'];
      return { bytes: res.bytes, signature: Array.isArray(sig) ? sig[0] : sig };
    },
    async desired(signal) {
      const res = await call('GET', 'desired', undefined, { signal, maxBytes: 16 * 1024 * 1024 });
      const body = json(res.bytes);
      if (!isRecord(body) || !Array.isArray(body.items)) throw badAnswer('desired', 'no items');
      return body.items.flatMap(desiredItem);
    },
    async observe(report, signal) {
      const res = await call('POST', 'observations', report, { signal });
      const body = json(res.bytes);
      if (!isRecord(body)) throw badAnswer('observations', 'not an object');
      return {
        recorded: body.recorded === true,
        ...(typeof body.skipped === 'string' ? { skipped: body.skipped } : {}),
        ...(typeof body.selfHealDeploymentId === 'string'
          ? { selfHealDeploymentId: body.selfHealDeploymentId }
          : {}),
      };
    },
    async answerDiff(requestId, answer, signal) {
      await call('POST', `diffs/${encodeURIComponent(requestId)}`, answer, { signal });
    },
    close: () => dispatcher.close(),
  };
}

async function readLimited(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  max: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new AgentApiError(0, 'payload_too_large', `answer larger than ${max} bytes`, false);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function apiError(status: number, bytes: Buffer, method: string, path: string): AgentApiError {
  let code = `http_${status}`;
  let message = `${method} ${path} answered ${status}`;
  try {
    const body: unknown = JSON.parse(bytes.toString('utf8'));
    if (isRecord(body) && isRecord(body.error)) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = `${message}: ${body.error.message}`;
    }
  } catch {
    // Not the API's envelope (a proxy's error page): keep the status.
  }
  if (status === 401) code = 'unauthorized';
  return new AgentApiError(status, code, message, status >= 500 || status === 429 || status === 408);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const prefix = typeof code === 'string' && !err.message.includes(code) ? `${code} ` : '';
  return `${prefix}${err.message}${cause}`;
}

function json(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badAnswer('response', 'not JSON');
  }
}

function badAnswer(what: string, why: string): AgentApiError {
  // The control plane (or something in between) answered nonsense: try again later.
  return new AgentApiError(0, 'bad_answer', `unexpected ${what} answer: ${why}`, true);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw badAnswer(what, `${key} missing`);
  return v;
}

function num(o: Record<string, unknown>, key: string, what: string, fallback?: number): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined) return fallback;
  throw badAnswer(what, `${key} missing`);
}

function parseRegistration(body: unknown): Registration {
  if (!isRecord(body)) throw badAnswer('register', 'not an object');
  const cluster = body.cluster;
  const name = typeof cluster === 'string' ? cluster : isRecord(cluster) ? cluster.name : undefined;
  const ttl = num(body, 'leaseTtlSeconds', 'register', 30);
  return {
    agentId: str(body, 'agentId', 'register'),
    clusterId: str(body, 'clusterId', 'register'),
    cluster: typeof name === 'string' ? name : '',
    credential: str(body, 'credential', 'register'),
    signingPublicKey: str(body, 'signingPublicKey', 'register'),
    leaseTtlSeconds: ttl,
    heartbeatIntervalSeconds: num(body, 'heartbeatIntervalSeconds', 'register', ttl / 3),
  };
}

function parseJob(j: Record<string, unknown>): Job {
  const policy = isRecord(j.syncPolicy) ? j.syncPolicy : {};
  const bundle = isRecord(j.bundle) ? j.bundle : {};
  return {
    targetId: str(j, 'targetId', 'claim'),
    deploymentId: str(j, 'deploymentId', 'claim'),
    application: str(j, 'application', 'claim'),
    namespace: str(j, 'namespace', 'claim'),
    sha: str(j, 'sha', 'claim'),
    attempt: num(j, 'attempt', 'claim', 1),
    epoch: num(j, 'epoch', 'claim'),
    leaseExpiresAt: typeof j.leaseExpiresAt === 'string' ? j.leaseExpiresAt : '',
    leaseTtlSeconds: num(j, 'leaseTtlSeconds', 'claim', 30),
    syncPolicy: {
      prune: policy.prune === true,
      selfHeal: policy.selfHeal === true,
      createNamespace: policy.createNamespace === true,
    },
    force: j.force === true,
    ...(Array.isArray(j.inventory) ? { inventory: j.inventory.flatMap(inventoryEntry) } : {}),
    bundle: bundleRef(bundle),
  };
}

function parseDiff(d: Record<string, unknown>): DiffRequest {
  return {
    requestId: str(d, 'requestId', 'claim'),
    application: str(d, 'application', 'claim'),
    namespace: str(d, 'namespace', 'claim'),
    sha: str(d, 'sha', 'claim'),
    bundle: bundleRef(isRecord(d.bundle) ? d.bundle : {}),
    inventory: Array.isArray(d.inventory) ? d.inventory.flatMap(inventoryEntry) : [],
    expiresAt: typeof d.expiresAt === 'string' ? Date.parse(d.expiresAt) : Number.NaN,
  };
}

/** An item the agent cannot use (a newer control plane's shape) is skipped, not an error. */
function desiredItem(e: unknown): DesiredItem[] {
  if (!isRecord(e) || !isRecord(e.bundle)) return [];
  const { application, applicationId, namespace, sha } = e;
  if (typeof application !== 'string' || typeof namespace !== 'string' || typeof sha !== 'string') return [];
  return [
    {
      application,
      ...(typeof applicationId === 'string' ? { applicationId } : {}),
      namespace,
      sha,
      bundle: bundleRef(e.bundle),
      selfHeal: e.selfHeal === true,
    },
  ];
}

/** Missing digest/signature are not an answer error: verification refuses the bundle. */
function bundleRef(b: Record<string, unknown>): BundleRef {
  return {
    digest: typeof b.digest === 'string' ? b.digest : '',
    signature: typeof b.signature === 'string' ? b.signature : '',
  };
}

function inventoryEntry(e: unknown): InventoryRef[] {
  if (!isRecord(e)) return [];
  const { apiVersion, kind, namespace, name } = e;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return [];
  return [{ apiVersion, kind, name, ...(typeof namespace === 'string' && namespace ? { namespace } : {}) }];
}
