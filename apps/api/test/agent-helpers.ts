// The pull path over real HTTP: the harness's app listening on a port, a Git repository with the
// corpus guestbook, and small clients for the REST API (admin token) and /agent/v1 (credential).
import { createTestRepo, type TestRepo } from '@tether/testing/git';
import { auth, CORPUS, type Harness, type HarnessOptions, startHarness } from './harness.ts';

export interface PullEnv {
  h: Harness;
  repo: TestRepo;
  sha: string;
  url: string;
  close(): Promise<void>;
}

export async function startPullEnv(opts: HarnessOptions = {}): Promise<PullEnv> {
  const h = await startHarness(opts);
  const repo = await createTestRepo();
  await repo.copyDir(`${CORPUS}/manifests/guestbook`, 'guestbook');
  const sha = await repo.commit('guestbook');
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    h,
    repo,
    sha,
    url,
    async close() {
      await h.close();
      await repo.delete();
    },
  };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
  body: any;
  headers: Headers;
  bytes: Buffer;
}

export async function call(
  url: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let body: unknown;
  try {
    body = bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    body = bytes.toString('utf8');
  }
  return { status: res.status, body, headers: res.headers, bytes };
}

const ADMIN = auth.authorization.slice('Bearer '.length);

/** REST as the admin. */
export const admin = (env: PullEnv, method: string, path: string, body?: unknown) =>
  call(env.url, method, `/api/v1${path}`, { token: ADMIN, ...(body !== undefined ? { body } : {}) });

/** /agent/v1 with an agent credential. */
export const agent = (env: PullEnv, credential: string, path: string, body?: unknown, signal?: AbortSignal) =>
  call(env.url, path.startsWith('bundles/') ? 'GET' : 'POST', `/agent/v1/${path}`, {
    token: credential,
    ...(body !== undefined ? { body } : {}),
    ...(signal ? { signal } : {}),
  });

export interface Registered {
  agentId: string;
  clusterId: string;
  credential: string;
  signingPublicKey: string;
}

/** A pull cluster with one registered agent. */
export async function pullCluster(env: PullEnv, name: string): Promise<Registered> {
  const created = await admin(env, 'POST', '/clusters', { name, mode: 'pull' });
  if (created.status !== 201) throw new Error(`create cluster ${name}: ${created.status}`);
  return registerWith(env, created.body.bootstrapToken);
}

export async function registerWith(env: PullEnv, bootstrapToken: string): Promise<Registered> {
  const res = await call(env.url, 'POST', '/agent/v1/register', {
    body: { bootstrapToken, version: '0.1.0-test' },
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Registered;
}

/** Another agent for an existing cluster (a fresh bootstrap token). */
export async function secondAgent(env: PullEnv, cluster: string): Promise<Registered> {
  const issued = await admin(env, 'POST', `/clusters/${cluster}/bootstrap-tokens`);
  if (issued.status !== 201) throw new Error(`bootstrap token: ${issued.status}`);
  return registerWith(env, issued.body.bootstrapToken);
}

/** An application of the guestbook on these clusters (namespace = application name). */
export async function application(env: PullEnv, name: string, clusters: string[]): Promise<void> {
  const res = await admin(env, 'POST', '/applications', {
    name,
    repoUrl: env.repo.url,
    path: 'guestbook',
    targetRevision: 'main',
    destinations: clusters.map((cluster) => ({ cluster, namespace: name })),
  });
  if (res.status !== 201)
    throw new Error(`create application ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Deploys the application; returns the deployment. */
export async function deploy(env: PullEnv, app: string) {
  const res = await admin(env, 'POST', `/applications/${app}/deployments`, {});
  if (res.status !== 202) throw new Error(`deploy ${app}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; targets: { cluster: string; status: string }[] };
}

export async function deployment(env: PullEnv, id: string) {
  return (await admin(env, 'GET', `/deployments/${id}`)).body as {
    id: string;
    status: string;
    targets: {
      cluster: string;
      mode: string;
      status: string;
      attempts: number;
      error?: string;
      errorCode?: string;
      objects: { kind: string; name: string; action: string; error?: string }[];
    }[];
  };
}

/** Audit event types about a cluster, oldest first. */
export async function auditTypes(env: PullEnv, cluster: string, filter?: (e: AuditRow) => boolean) {
  const res = await admin(env, 'GET', `/audit?cluster=${cluster}&limit=200`);
  const items = (res.body.items as AuditRow[]).filter(filter ?? (() => true));
  return items.reverse().map((e) => e.type);
}

export interface AuditRow {
  type: string;
  actor: { type: string; name: string };
  targetId: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: audit data is free-form
  data: any;
}

export async function auditEvents(env: PullEnv, cluster: string): Promise<AuditRow[]> {
  const res = await admin(env, 'GET', `/audit?cluster=${cluster}&limit=200`);
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.items as AuditRow[]).reverse();
}

/** Claims with a wait, expecting a job. */
export async function claimJob(env: PullEnv, a: Registered, wait = 5) {
  const res = await agent(env, a.credential, 'claim', { wait });
  if (res.status !== 200)
    throw new Error(`claim: expected a job, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.job as {
    targetId: string;
    deploymentId: string;
    application: string;
    namespace: string;
    sha: string;
    attempt: number;
    epoch: number;
    leaseExpiresAt: string;
    leaseTtlSeconds: number;
    syncPolicy: { prune: boolean; selfHeal: boolean; createNamespace: boolean };
    force: boolean;
    bundle: { digest: string; signature: string };
  };
}
