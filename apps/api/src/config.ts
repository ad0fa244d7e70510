import { type ConfigOf, env, loadConfig } from '@tether/core';

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
};

export type ApiConfig = ConfigOf<typeof apiConfigSpec>;

export function loadApiConfig(source: Record<string, string | undefined> = process.env): ApiConfig {
  return loadConfig(apiConfigSpec, source);
}
