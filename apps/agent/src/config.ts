// The agent's environment, read once at boot (main.ts) into a typed object. Every problem is
// reported together (ConfigError), so an operator fixes the whole Deployment in one go.
import { ConfigError, type ConfigOf, type EnvVar, env, loadConfig } from '@tether/core';
import { parsePublicKey } from './verify.ts';

/** A PEM (real or `\n`-escaped newlines) or base64 of a PEM; checked to be an Ed25519 key. */
function signingKey(): EnvVar<string | undefined> {
  return {
    description: 'Ed25519 public key (SPKI PEM) bundles are signed with; default: pinned at registration',
    parse(raw, name) {
      if (raw === undefined || raw.trim() === '') return undefined;
      try {
        return parsePublicKey(raw).pem;
      } catch (err) {
        throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

/** HTTP(S)_PROXY / NO_PROXY, upper or lower case, as curl and undici read them. */
function either(upper: string): EnvVar<string | undefined> {
  return {
    description: `${upper} (or its lower-case form)`,
    parse: () => undefined, // Filled in by loadAgentConfig, which sees both names.
  };
}

export const agentConfigSpec = {
  TETHER_URL: env.url({
    protocols: ['https:', 'http:'],
    description: 'the control plane, e.g. https://tether.example.com',
  }),
  TETHER_BOOTSTRAP_TOKEN: env.optionalString({
    description: 'one-time token for the first registration (or to register again after a revocation)',
  }),
  TETHER_SIGNING_PUBLIC_KEY: signingKey(),
  KUBECONFIG: env.optionalString({ description: 'outside a cluster; default: in-cluster service account' }),
  KUBERNETES_SERVICE_HOST: env.optionalString({ description: 'set by Kubernetes inside a pod' }),
  TETHER_AGENT_CREDENTIAL_STORE: env.enumOf(['auto', 'file', 'secret'] as const, {
    default: 'auto',
    description: 'auto: a Secret when in a cluster without KUBECONFIG, else a file',
  }),
  TETHER_AGENT_STATE_DIR: env.string({
    default: '.tether-agent',
    description: 'outside a cluster the credential lives in <dir>/credential.json (0600)',
  }),
  TETHER_AGENT_NAMESPACE: env.optionalString({
    description: "the Secret's namespace; default: the service account's namespace",
  }),
  TETHER_AGENT_HEALTH_PORT: env.int({
    default: -1,
    min: -1,
    max: 65535,
    description: '/healthz and /metrics; -1 (default) for none, 0 for any free port',
  }),
  TETHER_AGENT_HEALTH_HOST: env.string({ default: '127.0.0.1' }),
  TETHER_AGENT_CLAIM_WAIT_SECONDS: env.int({ default: 25, min: 0, max: 30 }),
  TETHER_AGENT_REQUEST_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 300_000 }),
  TETHER_AGENT_BACKOFF_MIN_MS: env.int({ default: 500, min: 1, max: 600_000 }),
  TETHER_AGENT_BACKOFF_MAX_MS: env.int({ default: 30_000, min: 1, max: 3_600_000 }),
  TETHER_AGENT_SHUTDOWN_GRACE_MS: env.int({
    default: 20_000,
    min: 0,
    max: 600_000,
    description: 'at SIGTERM a running job gets this long to finish before it is released',
  }),
  TETHER_KUBE_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 600_000 }),
  TETHER_HEALTH_TIMEOUT_MS: env.int({
    default: 300_000,
    min: 0,
    max: 3_600_000,
    description: 'wait for applied workloads to become healthy (as the push worker)',
  }),
  TETHER_RESYNC_INTERVAL: env.int({
    default: 180,
    min: 0,
    max: 86_400,
    description: 'seconds between drift checks of every application on this cluster (± 20 %); 0 disables',
  }),
  HTTPS_PROXY: either('HTTPS_PROXY'),
  HTTP_PROXY: either('HTTP_PROXY'),
  NO_PROXY: either('NO_PROXY'),
};

export type AgentConfig = ConfigOf<typeof agentConfigSpec>;

export function loadAgentConfig(source: Record<string, string | undefined> = process.env): AgentConfig {
  const proxies = {
    HTTPS_PROXY: source.HTTPS_PROXY || source.https_proxy || undefined,
    HTTP_PROXY: source.HTTP_PROXY || source.http_proxy || undefined,
    NO_PROXY: source.NO_PROXY || source.no_proxy || undefined,
  };
  const problems: string[] = [];
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY'] as const) {
    const v = proxies[name];
    if (v === undefined) continue;
    try {
      new URL(v);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
  }
  let config: AgentConfig;
  try {
    config = loadConfig(agentConfigSpec, source);
  } catch (err) {
    if (problems.length === 0 || !(err instanceof ConfigError)) throw err;
    throw new ConfigError([...err.problems, ...problems]);
  }
  if (config.TETHER_AGENT_BACKOFF_MIN_MS > config.TETHER_AGENT_BACKOFF_MAX_MS) {
    problems.push('TETHER_AGENT_BACKOFF_MIN_MS must be <= TETHER_AGENT_BACKOFF_MAX_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, ...proxies };
}
