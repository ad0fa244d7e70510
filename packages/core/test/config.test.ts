import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, env, loadConfig } from '../src/index.ts';

const spec = {
  DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'] }),
  PORT: env.int({ default: 8080, min: 1, max: 65535 }),
  MODE: env.enumOf(['push', 'pull'] as const, { default: 'push' }),
  SECRET: env.string({ minLength: 8 }),
};

test('loadConfig types and defaults values', () => {
  const cfg = loadConfig(spec, { DATABASE_URL: 'postgres://x@127.0.0.1/db', SECRET: 'abcdefgh' });
  assert.equal(cfg.PORT, 8080);
  assert.equal(cfg.MODE, 'push');
  assert.equal(cfg.DATABASE_URL, 'postgres://x@127.0.0.1/db');
});

test('loadConfig reports every problem at once', () => {
  assert.throws(
    () => loadConfig(spec, { DATABASE_URL: 'mysql://x', PORT: 'eighty', MODE: 'sideways', SECRET: 'short' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      assert.match(err.message, /DATABASE_URL must use postgres: or postgresql:/);
      assert.match(err.message, /PORT must be an integer/);
      assert.match(err.message, /MODE must be one of push, pull/);
      assert.match(err.message, /SECRET must be at least 8 characters/);
      return true;
    },
  );
});

test('a missing required variable is named', () => {
  assert.throws(() => loadConfig(spec, { SECRET: 'abcdefghij' }), /DATABASE_URL is required/);
});
