// The worker's environment, read once at boot (main.ts) into a typed object.
import { type ConfigOf, env, loadConfig } from '@tether/core';

export const workerConfigSpec = {
  DATABASE_URL: env.url({
    protocols: ['postgres:', 'postgresql:'],
    description: 'PostgreSQL connection URL',
  }),
  REDIS_URL: env.url({ protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379' }),
  TETHER_DATA_DIR: env.string({ default: '.tether-data', description: 'git mirrors live in <dir>/git' }),
  TETHER_WORKER_CONCURRENCY: env.int({ default: 4, min: 1, max: 256 }),
  TETHER_QUEUE_PREFIX: env.string({ default: 'tether' }),
  TETHER_KUBE_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 600_000 }),
  TETHER_RESYNC_INTERVAL: env.int({
    default: 180,
    min: 0,
    max: 86_400,
    description: 'seconds between drift checks; 0 disables',
  }),
  TETHER_HEALTH_TIMEOUT_MS: env.int({
    default: 300_000,
    min: 0,
    max: 3_600_000,
    description: 'wait for workloads to become healthy',
  }),
  TETHER_MIGRATE_ON_START: env.enumOf(['true', 'false'] as const, { default: 'true' }),
  TETHER_WORKER_ID: env.optionalString({
    description: 'names this worker in audit events; default host:pid',
  }),
};

export type WorkerConfig = ConfigOf<typeof workerConfigSpec>;

export function loadWorkerConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  return loadConfig(workerConfigSpec, source);
}
