// The agent's identity survives restarts: its credential, who it is, and the control-plane key it
// pinned. Inside a cluster in a Secret of its own namespace; outside one in a 0600 file.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '@tether/kube';

export const SECRET_NAME = 'tether-agent-credential';
const FIELD_MANAGER = 'tether-agent';

export interface AgentState {
  agentId: string;
  clusterId: string;
  cluster: string;
  credential: string;
  /** SPKI PEM of the bundle signing key, pinned at first registration. */
  signingPublicKey: string;
  /** The control plane this identity belongs to. */
  url: string;
  /** sha256 of the bootstrap token spent for it: a different token in the env means "register again". */
  bootstrapTokenHash: string;
  registeredAt: string;
}

export interface CredentialStore {
  /** Where, for logs: a path or namespace/name. */
  readonly location: string;
  load(): Promise<AgentState | undefined>;
  save(state: AgentState): Promise<void>;
  clear(): Promise<void>;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const FIELDS = [
  'agentId',
  'clusterId',
  'cluster',
  'credential',
  'signingPublicKey',
  'url',
  'bootstrapTokenHash',
  'registeredAt',
] as const satisfies readonly (keyof AgentState)[];

function toState(v: Record<string, unknown>, where: string): AgentState {
  const out: Record<string, string> = {};
  for (const f of FIELDS) {
    const x = v[f];
    if (typeof x !== 'string') throw new Error(`${where}: stored agent state has no ${f}`);
    out[f] = x;
  }
  return out as unknown as AgentState;
}

/** `<dir>/credential.json`, mode 0600 in a 0700 directory, replaced atomically. */
export function fileStore(dir: string): CredentialStore {
  const path = join(dir, 'credential.json');
  return {
    location: path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      // Tighten a file someone loosened: the credential is a secret.
      if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
      return toState(JSON.parse(text) as Record<string, unknown>, path);
    },
    async save(state) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      await chmod(tmp, 0o600); // Whatever the umask.
      await rename(tmp, path);
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}

/** The Secret `tether-agent-credential` in `namespace`, through the agent's own kube client. */
export function secretStore(connect: () => KubeClient, namespace: string): CredentialStore {
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace, name: SECRET_NAME };
  async function withClient<T>(fn: (c: KubeClient) => Promise<T>): Promise<T> {
    const client = connect();
    try {
      return await fn(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  return {
    location: `secret ${namespace}/${SECRET_NAME}`,
    load: () =>
      withClient(async (c) => {
        const secret = await c.get(ref);
        const data = secret?.data;
        if (!secret || typeof data !== 'object' || data === null) return undefined;
        const decoded: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(data)) {
          if (typeof v === 'string') decoded[k] = Buffer.from(v, 'base64').toString('utf8');
        }
        if (typeof decoded.credential !== 'string' || decoded.credential === '') return undefined;
        return toState(decoded, `secret ${namespace}/${SECRET_NAME}`);
      }),
    save: (state) =>
      withClient(async (c) => {
        const data: Record<string, string> = {};
        for (const f of FIELDS) data[f] = Buffer.from(state[f]).toString('base64');
        await c.apply(
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name: SECRET_NAME,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'tether-agent' },
            },
            type: 'Opaque',
            data,
          },
          { fieldManager: FIELD_MANAGER, force: true },
        );
      }),
    clear: () =>
      withClient(async (c) => {
        await c.delete(ref);
      }),
  };
}

/** The namespace a pod runs in, from its service account mount. */
export async function serviceAccountNamespace(
  path = '/var/run/secrets/kubernetes.io/serviceaccount/namespace',
): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
