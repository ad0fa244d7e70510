#!/usr/bin/env node
// `tether-agent`: the pull agent as its own process. Reads the environment once, runs until
// SIGTERM/SIGINT, then finishes (or, past the grace period, releases) its job and exits.
// Exit codes: 0 stopped, 1 failed, 2 misconfigured, 3 credential or bootstrap token refused.
import { ConfigError, createLogger, errorMessage, isMain } from '@tether/core';
import { createAgent } from './agent.ts';
import { type AgentConfig, loadAgentConfig } from './config.ts';

async function main(): Promise<void> {
  const logger = createLogger('agent');
  let config: AgentConfig;
  try {
    config = loadAgentConfig();
  } catch (err) {
    logger.fatal(errorMessage(err));
    process.exitCode = err instanceof ConfigError ? 2 : 1;
    return;
  }
  const agent = createAgent({ config, logger });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void agent.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await agent.start();
  } catch (err) {
    logger.fatal({ err }, 'agent failed to start');
    process.exitCode = 1;
    return;
  }
  const exit = await agent.done;
  logger.info({ code: exit.code, reason: exit.reason }, 'agent exited');
  // Exit explicitly: nothing should linger, and a stuck socket must not keep a pod alive.
  logger.flush();
  process.exit(exit.code);
}

if (isMain(import.meta)) await main();
