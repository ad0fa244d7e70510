import { type ConfigOf, type EnvVar, env, loadConfig } from '@tether/core';

function optionalHttpUrl(description: string): EnvVar<string | undefined> {
  return {
    description,
    parse(raw, name) {
      if (raw === undefined || raw === '') return undefined;
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new Error(`${name} is not a valid URL`);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:')
        throw new Error(`${name} must use https: or http:`);
      return raw.replace(/\/+$/, '');
    },
  };
}

export const apiConfigSpec = {
  DATABASE_URL: env.url({
    protocols: ['postgres:', 'postgresql:'],
    description: 'PostgreSQL connection URL',
  }),
  REDIS_URL: env.url({ protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379' }),
  PORT: env.int({ default: 8080, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  TETHER_ADMIN_TOKEN: env.string({ minLength: 16, description: 'bootstrap admin API token' }),
  TETHER_WEBHOOK_SECRET: env.string({ minLength: 8, description: 'GitHub webhook secret' }),
  TETHER_DATA_DIR: env.string({ default: '.tether-data' }),
  TETHER_QUEUE_PREFIX: env.string({ default: 'tether' }),
  TETHER_MIGRATE_ON_START: env.enumOf(['true', 'false'] as const, { default: 'true' }),
  // The pull path (agent gateway). Several replicas must share one signing key: give them the
  // same TETHER_SIGNING_KEY, or the same TETHER_DATA_DIR (where the generated one is kept).
  TETHER_SIGNING_KEY: env.optionalString({
    description:
      'Ed25519 private key (PKCS#8 PEM) bundles are signed with; default: generated at first start into <TETHER_DATA_DIR>/signing-key.pem',
  }),
  TETHER_LEASE_TTL_SECONDS: env.int({
    default: 30,
    min: 2,
    max: 3600,
    description: 'how long a claimed pull job is held without a heartbeat',
  }),
  TETHER_BOOTSTRAP_TOKEN_TTL_SECONDS: env.int({ default: 3600, min: 60, max: 30 * 24 * 3600 }),
  TETHER_PUBLIC_URL: optionalHttpUrl(
    'the URL agents reach this control plane at (agent manifests); default: from the request',
  ),
  TETHER_AGENT_IMAGE: env.string({ default: 'ghcr.io/tether/agent:0.1.0' }),
  TETHER_AGENT_NAMESPACE: env.string({ default: 'tether-system' }),
  TETHER_AGENT_DIFF_TIMEOUT_SECONDS: env.int({
    default: 20,
    min: 1,
    max: 300,
    description: "how long a diff of a pull cluster waits for its agent's answer",
  }),
};

export type ApiConfig = ConfigOf<typeof apiConfigSpec>;

export function loadApiConfig(source: Record<string, string | undefined> = process.env): ApiConfig {
  return loadConfig(apiConfigSpec, source);
}
