// Create-only reviews answered on the spot: `kubectl auth can-i` (SelfSubjectAccessReview,
// SelfSubjectRulesReview), `kubectl auth whoami` (SelfSubjectReview) and `kubectl create token`
// (the serviceaccounts/token subresource).
import { createHmac } from 'node:crypto';
import type { ClusterUser, VirtualCluster } from '../cluster.ts';
import { grOf } from '../engine/context.ts';
import { badRequest, notFound } from '../errors.ts';
import type { ResourceDef } from '../registry.ts';
import { isRecord, rfc3339 } from '../util.ts';

const READ_VERBS = new Set(['get', 'list', 'watch']);

function userInfo(cluster: VirtualCluster, user: ClusterUser | undefined): Record<string, unknown> {
  if (!user) {
    return cluster.authRequired
      ? { username: 'system:anonymous', groups: ['system:unauthenticated'] }
      : { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  }
  return {
    username: user.name,
    groups: user.readOnly ? ['system:authenticated'] : ['system:masters', 'system:authenticated'],
  };
}

function allowed(user: ClusterUser | undefined, verb: string): boolean {
  return !user?.readOnly || READ_VERBS.has(verb);
}

function metaOf(body: Record<string, unknown>): Record<string, unknown> {
  return { ...(isRecord(body.metadata) ? body.metadata : {}), creationTimestamp: null };
}

export function answerReview(
  cluster: VirtualCluster,
  def: ResourceDef,
  user: ClusterUser | undefined,
  body: unknown,
): Record<string, unknown> {
  if (!isRecord(body)) throw badRequest('the body of the request must be a JSON or YAML object');
  const head = { kind: def.kind, apiVersion: `${def.group}/${def.version}`, metadata: metaOf(body) };
  const spec = isRecord(body.spec) ? body.spec : {};
  switch (def.kind) {
    case 'SelfSubjectAccessReview': {
      const attrs = isRecord(spec.resourceAttributes)
        ? spec.resourceAttributes
        : isRecord(spec.nonResourceAttributes)
          ? spec.nonResourceAttributes
          : {};
      const verb = typeof attrs.verb === 'string' ? attrs.verb : '';
      const ok = allowed(user, verb);
      const status: Record<string, unknown> = { allowed: ok };
      if (!ok) status.reason = `user "${user?.name ?? ''}" is read-only`;
      return { ...head, spec, status };
    }
    case 'SelfSubjectRulesReview': {
      const verbs = user?.readOnly ? ['get', 'list', 'watch'] : ['*'];
      return {
        ...head,
        spec,
        status: {
          resourceRules: [{ verbs, apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs, nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    }
    default:
      return { ...head, status: { userInfo: userInfo(cluster, user) } };
  }
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A TokenRequest for an existing ServiceAccount: a JWT-shaped bearer token the sim does not check. */
export function answerTokenRequest(
  cluster: VirtualCluster,
  def: ResourceDef,
  namespace: string,
  name: string,
  body: unknown,
): Record<string, unknown> {
  const sa = cluster.store.get(def.storageKey, namespace, name);
  if (!sa) throw notFound(grOf(def), name);
  const req = isRecord(body) ? body : {};
  const spec = isRecord(req.spec) ? req.spec : {};
  const seconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length > 0
      ? spec.audiences
      : ['https://kubernetes.default.svc'];
  const now = cluster.now();
  const exp = Math.floor(now / 1000) + seconds;
  const claims = {
    aud: audiences,
    exp,
    iat: Math.floor(now / 1000),
    iss: 'https://kubernetes.default.svc',
    sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid } },
  };
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  const signature = createHmac('sha256', cluster.name).update(unsigned).digest('base64url');
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token: `${unsigned}.${signature}`, expirationTimestamp: rfc3339(exp * 1000) },
  };
}
