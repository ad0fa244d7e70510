// The cluster as the apply engine sees it. An interface, so the pull-mode agent and tests can
// provide other implementations; HttpKubeClient talks to an API server.
import type { Logger } from '@tether/core';
import type { KubeObject } from '@tether/manifests';
import {
  type ApiResource,
  Discovery,
  type DiscoveryOptions,
  groupVersionPath,
  unknownKind,
} from './discovery.ts';
import { isKubeError, KubeError } from './errors.ts';
import type { CallOptions, Transport } from './request.ts';

export type { CallOptions } from './request.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
}

export interface ApplyOptions extends CallOptions {
  fieldManager: string;
  /** Take over fields other managers own instead of failing with field_conflict. */
  force?: boolean;
  /** Server-side dry run: validated and defaulted, not persisted. */
  dryRun?: boolean;
}

export interface DeleteOptions extends CallOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only that exact object: a 409 (resource_conflict) when it was replaced or changed since. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListQuery {
  apiVersion: string;
  kind: string;
  /** Omitted: all namespaces (ignored for cluster-scoped kinds). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
}

export interface KubeClient {
  /** The API server URL, for logs and messages. */
  readonly server: string;
  /** Every kind the cluster serves. */
  discover(opts?: DiscoveryOptions): Promise<ApiResource[]>;
  /** How the cluster serves one kind, or undefined when it does not. */
  resource(apiVersion: string, kind: string, opts?: DiscoveryOptions): Promise<ApiResource | undefined>;
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef, opts?: CallOptions): Promise<KubeObject | undefined>;
  /** Server-side apply; the object as stored after the apply. */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /** True when a delete was issued, false when the object was already gone. */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<boolean>;
  list(query: ListQuery, opts?: CallOptions): Promise<KubeObject[]>;
  /** Releases connections; calls after close fail. */
  close(): Promise<void>;
}

/** `Deployment shop/carts`, `Namespace shop`. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

const PAGE = 500;

export class HttpKubeClient implements KubeClient {
  readonly server: string;
  private readonly transport: Transport;
  private readonly discovery: Discovery;

  constructor(transport: Transport, logger: Logger) {
    this.transport = transport;
    this.server = transport.server;
    this.discovery = new Discovery(transport, logger);
  }

  discover(opts?: DiscoveryOptions): Promise<ApiResource[]> {
    return this.discovery.all(opts);
  }

  resource(apiVersion: string, kind: string, opts?: DiscoveryOptions): Promise<ApiResource | undefined> {
    return this.discovery.resource(apiVersion, kind, opts);
  }

  async get(ref: ObjectRef, opts: CallOptions = {}): Promise<KubeObject | undefined> {
    const path = await this.objectPath(ref, opts);
    try {
      return (await this.transport.request('GET', path, {
        ...opts,
        what: `get ${describeRef(ref)}`,
        object: describeRef(ref),
      })) as KubeObject;
    } catch (err) {
      if (isKubeError(err) && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    const ref = refOf(obj);
    const path = await this.objectPath(ref, opts);
    return (await this.transport.request('PATCH', path, {
      ...opts,
      // JSON is YAML; the apiserver accepts apply patches only under the yaml media type.
      contentType: 'application/apply-patch+yaml',
      body: obj,
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force ? 'true' : undefined,
        dryRun: opts.dryRun ? 'All' : undefined,
      },
      what: `apply ${describeRef(ref)}`,
      object: describeRef(ref),
    })) as KubeObject;
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    const path = await this.objectPath(ref, opts);
    try {
      await this.transport.request('DELETE', path, {
        ...opts,
        query: { propagationPolicy: opts.propagationPolicy },
        ...(opts.preconditions
          ? { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: opts.preconditions } }
          : {}),
        what: `delete ${describeRef(ref)}`,
        object: describeRef(ref),
      });
      return true;
    } catch (err) {
      if (isKubeError(err) && err.code === 'not_found') return false;
      throw err;
    }
  }

  async list(query: ListQuery, opts: CallOptions = {}): Promise<KubeObject[]> {
    const res = await this.requireResource(query.apiVersion, query.kind, opts);
    const ns = res.namespaced && query.namespace ? `/namespaces/${encodeURIComponent(query.namespace)}` : '';
    const path = `${groupVersionPath(query.apiVersion)}${ns}/${res.plural}`;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    do {
      const page = (await this.transport.request('GET', path, {
        ...opts,
        query: { labelSelector: query.labelSelector, limit: String(PAGE), continue: cont },
        what: `list ${query.kind}${query.namespace && res.namespaced ? ` in ${query.namespace}` : ''}`,
      })) as { items?: KubeObject[]; metadata?: { continue?: string } };
      // List items carry no apiVersion/kind of their own.
      for (const item of page.items ?? [])
        items.push({ ...item, apiVersion: query.apiVersion, kind: query.kind });
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async requireResource(apiVersion: string, kind: string, opts: CallOptions): Promise<ApiResource> {
    const res = await this.discovery.resource(apiVersion, kind, opts);
    if (!res) throw unknownKind(apiVersion, kind, this.server);
    return res;
  }

  private async objectPath(ref: ObjectRef, opts: CallOptions): Promise<string> {
    if (!ref.name) throw new KubeError('invalid_object', `${ref.kind} without a name`);
    const res = await this.requireResource(ref.apiVersion, ref.kind, opts);
    let ns = '';
    if (res.namespaced) {
      if (!ref.namespace) {
        throw new KubeError(
          'invalid_object',
          `${describeRef(ref)}: ${ref.kind} is namespaced, no namespace given`,
          {
            details: { object: describeRef(ref) },
          },
        );
      }
      ns = `/namespaces/${encodeURIComponent(ref.namespace)}`;
    }
    return `${groupVersionPath(ref.apiVersion)}${ns}/${res.plural}/${encodeURIComponent(ref.name)}`;
  }
}
