// API discovery: which kinds the cluster serves, at which group/version, under which plural,
// namespaced or not. Cached per group/version; a refresh re-reads (after CRDs are applied).
import type { Logger } from '@tether/core';
import { isKubeError, KubeError } from './errors.ts';
import type { CallOptions, Transport } from './request.ts';

export interface ApiResource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** `apps/v1`, `v1`. */
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface DiscoveryOptions extends CallOptions {
  /** Re-read from the cluster instead of the cache. */
  refresh?: boolean;
}

interface RawResource {
  name?: unknown;
  kind?: unknown;
  namespaced?: unknown;
  verbs?: unknown;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

const CONCURRENCY = 8;

export class Discovery {
  private readonly transport: Transport;
  private readonly log: Logger;
  /** null: the group/version is not served. */
  private readonly byGroupVersion = new Map<string, ApiResource[] | null>();

  constructor(transport: Transport, logger: Logger) {
    this.transport = transport;
    this.log = logger;
  }

  /** The resource serving `kind` at `apiVersion`, or undefined when the cluster does not serve it. */
  async resource(
    apiVersion: string,
    kind: string,
    opts: DiscoveryOptions = {},
  ): Promise<ApiResource | undefined> {
    const list = await this.groupVersion(apiVersion, opts);
    return list?.find((r) => r.kind === kind);
  }

  /** Every resource of every served group/version (all versions, not only preferred ones). */
  async all(opts: DiscoveryOptions = {}): Promise<ApiResource[]> {
    const what = 'discover API groups';
    const core = (await this.transport.request('GET', '/api', { ...opts, what })) as { versions?: unknown };
    const groups = (await this.transport.request('GET', '/apis', { ...opts, what })) as { groups?: unknown };
    const gvs: string[] = [];
    if (Array.isArray(core.versions)) for (const v of core.versions) if (typeof v === 'string') gvs.push(v);
    if (Array.isArray(groups.groups)) {
      for (const g of groups.groups as Array<{ versions?: Array<{ groupVersion?: unknown }> }>) {
        for (const v of g.versions ?? []) if (typeof v.groupVersion === 'string') gvs.push(v.groupVersion);
      }
    }
    const out: ApiResource[] = [];
    for (let i = 0; i < gvs.length; i += CONCURRENCY) {
      const batch = await Promise.all(
        gvs.slice(i, i + CONCURRENCY).map((gv) => this.groupVersion(gv, opts, { tolerateBroken: true })),
      );
      for (const list of batch) if (list) out.push(...list);
    }
    return out;
  }

  /** Forgets cached group/versions (all when none given). */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.byGroupVersion.clear();
    else this.byGroupVersion.delete(apiVersion);
  }

  private async groupVersion(
    apiVersion: string,
    opts: DiscoveryOptions,
    how: { tolerateBroken?: boolean } = {},
  ): Promise<ApiResource[] | null> {
    if (!opts.refresh && this.byGroupVersion.has(apiVersion))
      return this.byGroupVersion.get(apiVersion) ?? null;
    let raw: { resources?: unknown };
    try {
      raw = (await this.transport.request('GET', groupVersionPath(apiVersion), {
        ...opts,
        what: `discover ${apiVersion}`,
      })) as { resources?: unknown };
    } catch (err) {
      if (isKubeError(err) && err.code === 'not_found') {
        this.byGroupVersion.set(apiVersion, null);
        return null;
      }
      // An aggregated API whose backend is down answers 503; the rest of the cluster still works.
      if (how.tolerateBroken && isKubeError(err) && err.code === 'server_error') {
        this.log.warn({ apiVersion, err: err.message }, 'API group version unavailable, skipped');
        return null;
      }
      throw err;
    }
    const { group, version } = splitApiVersion(apiVersion);
    const list: ApiResource[] = [];
    for (const r of Array.isArray(raw.resources) ? (raw.resources as RawResource[]) : []) {
      // `deployments/scale` and the like are subresources, not kinds of their own.
      if (typeof r.name !== 'string' || r.name.includes('/') || typeof r.kind !== 'string') continue;
      list.push({
        group,
        version,
        apiVersion,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced === true,
        verbs: Array.isArray(r.verbs) ? r.verbs.filter((v): v is string => typeof v === 'string') : [],
      });
    }
    this.byGroupVersion.set(apiVersion, list);
    return list;
  }
}

/** The error for a kind the cluster does not serve. */
export function unknownKind(apiVersion: string, kind: string, server: string, object?: string): KubeError {
  return new KubeError(
    'unknown_kind',
    `${object ? `${object}: ` : ''}kind ${kind} is not served by the cluster at ${apiVersion}`,
    { details: { server, apiVersion, kind, ...(object ? { object } : {}) } },
  );
}
