export { type Agent, type AgentDeps, type AgentExit, createAgent, type StopOptions } from './agent.ts';
export {
  type BackoffOptions,
  backoffCap,
  backoffDelay,
  createBackoff,
} from './backoff.ts';
export {
  AGENT_VERSION,
  AgentApiError,
  type AgentClient,
  createAgentClient,
  type Job,
  type Registration,
} from './client.ts';
export { type AgentConfig, agentConfigSpec, loadAgentConfig } from './config.ts';
export {
  type AgentState,
  type CredentialStore,
  fileStore,
  SECRET_NAME,
  secretStore,
} from './credentials.ts';
export { EXIT_UNAUTHORIZED, FatalError } from './identity.ts';
export { BundleRejected, parsePublicKey, verifyBundle } from './verify.ts';
