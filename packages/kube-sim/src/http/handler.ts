// The request pipeline: pick the virtual cluster (by /clusters/<name> prefix), authenticate,
// route, answer. Errors become Kubernetes Status objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterUser, VirtualCluster } from '../cluster.ts';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  VERSION_INFO,
} from '../discovery.ts';
import { routeNotFound, unauthorized } from '../errors.ts';
import { handleResource } from '../handlers/resource.ts';
import { openapiV3Doc, openapiV3Root } from '../openapi.ts';
import { type Route, route } from '../router.ts';
import { acceptRanges, sendError, sendJson, sendText } from './io.ts';

export interface HandlerDeps {
  clusters: Map<string, VirtualCluster>;
  rootCluster: VirtualCluster;
  log: Logger;
  /** host:port clients reach the server on, for /api serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

const OPEN_ROUTES = new Set(['health', 'version']);

function aggregatedType(accept: string | undefined): string | undefined {
  for (const r of acceptRanges(accept)) {
    if (r.params.g === 'apidiscovery.k8s.io' && r.params.as === 'APIGroupDiscoveryList') {
      if (r.params.v === 'v2' || r.params.v === 'v2beta1') return r.params.v;
    }
    if (r.type === 'application/json' && !r.params.as) return undefined;
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? (m[1] ?? '').trim() : '';
}

function authenticate(
  cluster: VirtualCluster,
  req: IncomingMessage,
  r: Route,
): ClusterUser | undefined | 'denied' {
  const token = bearer(req);
  if (token !== undefined) {
    const user = cluster.userForToken(token);
    // A presented but unknown credential fails even on open endpoints, as in the apiserver.
    if (!user && cluster.authRequired) return 'denied';
    return user;
  }
  if (cluster.authRequired && !OPEN_ROUTES.has(r.type)) return 'denied';
  return undefined;
}

function serveDiscovery(
  cluster: VirtualCluster,
  r: Route,
  req: IncomingMessage,
  res: ServerResponse,
  deps: HandlerDeps,
): boolean {
  const registry = cluster.registry;
  switch (r.type) {
    case 'api':
    case 'apis': {
      const v = aggregatedType(req.headers.accept);
      if (v) {
        const apiVersion = `apidiscovery.k8s.io/${v}`;
        sendJson(
          res,
          200,
          aggregatedDiscovery(registry, r.type === 'api', apiVersion),
          `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
        );
      } else if (r.type === 'api') sendJson(res, 200, apiVersions(deps.serverAddress()));
      else sendJson(res, 200, apiGroupList(registry));
      return true;
    }
    case 'group': {
      const doc = apiGroup(registry, r.group);
      if (!doc) throw routeNotFound();
      sendJson(res, 200, doc);
      return true;
    }
    case 'groupVersion': {
      const doc = apiResourceList(registry, r.group, r.version);
      if (!doc) throw routeNotFound();
      sendJson(res, 200, doc);
      return true;
    }
    case 'openapiV3Root':
      sendJson(res, 200, openapiV3Root(registry));
      return true;
    case 'openapiV3': {
      const doc = openapiV3Doc(registry, r.group, r.version);
      if (!doc) throw routeNotFound();
      sendJson(res, 200, doc);
      return true;
    }
    default:
      return false;
  }
}

async function dispatch(req: IncomingMessage, res: ServerResponse, deps: HandlerDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://kube-sim');
  let path = url.pathname;
  let cluster = deps.rootCluster;
  const prefixed = /^\/clusters\/([^/]+)(\/.*)?$/.exec(path);
  if (prefixed) {
    const named = deps.clusters.get(decodeURIComponent(prefixed[1] ?? ''));
    if (!named) throw routeNotFound();
    cluster = named;
    path = prefixed[2] ?? '/';
  }
  const r = route(cluster.registry, path);
  const user = authenticate(cluster, req, r);
  if (user === 'denied') throw unauthorized();
  if (r.type === 'health') {
    sendText(res, 200, 'ok');
    return;
  }
  if (r.type === 'version') {
    sendJson(res, 200, VERSION_INFO);
    return;
  }
  if (req.method !== 'GET' && r.type !== 'resource') throw routeNotFound();
  if (serveDiscovery(cluster, r, req, res, deps)) return;
  if (r.type !== 'resource') throw routeNotFound();
  await handleResource({ cluster, user, route: r, req, res, query: url.searchParams });
}

export function requestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    dispatch(req, res, deps)
      .catch((err: unknown) => {
        sendError(res, err);
      })
      .finally(() => {
        if (deps.log.isLevelEnabled('debug')) {
          deps.log.debug(
            {
              method: req.method,
              url: req.url,
              status: res.statusCode,
              ms: Math.round(performance.now() - started),
            },
            'request',
          );
        }
      });
  };
}
