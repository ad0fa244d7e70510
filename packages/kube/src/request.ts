// Raw JSON requests to the API server. @kubernetes/client-node supplies the kubeconfig handling
// (tokens, exec plugins, client certificates, CA, TLS options) and its undici fetch; bodies stay
// plain JSON because the typed serializers drop fields they do not know, which would silently
// change what server-side apply owns. Every request carries a deadline.
import { IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { Logger } from '@tether/core';
import { errorFromNetwork, errorFromStatus, type RequestContextInfo } from './classify.ts';
import { KubeError } from './errors.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions {
  /** Cancels the call; the error is `cancelled`. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number | undefined;
}

export interface RequestOptions extends CallOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** For messages: `apply Deployment shop/carts`. */
  what: string;
  object?: string;
}

export class Transport {
  readonly server: string;
  readonly timeoutMs: number;
  private readonly kc: KubeConfig;
  private readonly log: Logger;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private dispatcher: Dispatcher | undefined;
  private closed = false;

  constructor(kc: KubeConfig, timeoutMs: number, logger: Logger) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeError('invalid_config', 'the kubeconfig has no current cluster');
    this.kc = kc;
    this.server = cluster.server.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.log = logger;
  }

  /** The parsed JSON of a 2xx answer; anything else throws a KubeError. */
  async request(method: Method, path: string, opts: RequestOptions): Promise<unknown> {
    const info: RequestContextInfo = {
      server: this.server,
      what: opts.what,
      ...(opts.object ? { object: opts.object } : {}),
    };
    if (this.closed) throw new KubeError('internal', `${opts.what}: the cluster client is closed`);
    if (opts.signal?.aborted) throw cancelled(info);
    const ctx = new RequestContext(`${this.server}${path}`, method);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, v);
    ctx.setHeaderParam('Accept', 'application/json');
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(opts.body));
    }
    await this.authenticate(ctx, info);

    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    ctx.setSignal(opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline);
    const started = performance.now();
    let status: number;
    let text: string;
    let contentType: string;
    try {
      const res = await this.http.send(ctx).toPromise();
      status = res.httpStatusCode;
      contentType = res.headers['content-type'] ?? '';
      text = await res.body.text();
    } catch (err) {
      if (opts.signal?.aborted) throw cancelled(info, err);
      if (deadline.aborted) {
        throw new KubeError(
          'cluster_timeout',
          `${opts.what}: no answer from ${this.server} in ${timeoutMs} ms`,
          {
            details: { server: this.server, ...(opts.object ? { object: opts.object } : {}), timeoutMs },
            cause: err,
          },
        );
      }
      throw errorFromNetwork(err, info);
    }
    this.log.debug({ method, path, status, ms: Math.round(performance.now() - started) }, 'kube request');
    const body = parseBody(text, contentType);
    if (status < 200 || status > 299) throw errorFromStatus(status, body, info);
    if (typeof body !== 'object' || body === null) {
      throw new KubeError('internal', `${opts.what}: the answer of ${this.server} is not JSON`, {
        status,
        details: { server: this.server },
      });
    }
    return body;
  }

  /** Auth headers and TLS settings from the kubeconfig; one connection pool for the client's life. */
  private async authenticate(ctx: RequestContext, info: RequestContextInfo): Promise<void> {
    try {
      await this.kc.applySecurityAuthentication(ctx);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new KubeError(
        'invalid_config',
        `${info.what}: cannot authenticate to ${this.server}: ${reason}`,
        {
          details: { server: this.server },
          cause: err,
        },
      );
    }
    // client-node builds a new undici Agent (TLS options) per request; keep the first one instead,
    // so connections are reused and closed with the client.
    const d = ctx.getDispatcher();
    if (d === undefined) return;
    if (this.dispatcher === undefined) {
      this.dispatcher = d;
    } else if (d !== this.dispatcher) {
      d.destroy().catch(() => undefined);
      ctx.setDispatcher(this.dispatcher);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const d = this.dispatcher;
    this.dispatcher = undefined;
    await d?.destroy().catch(() => undefined);
  }
}

function cancelled(info: RequestContextInfo, cause?: unknown): KubeError {
  return new KubeError('cancelled', `${info.what}: cancelled`, {
    details: { server: info.server, ...(info.object ? { object: info.object } : {}) },
    ...(cause === undefined ? {} : { cause }),
  });
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return undefined;
  if (contentType.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
