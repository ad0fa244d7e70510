// Who this agent is: the stored identity, or a new one from registering with the bootstrap token.
// A bootstrap token other than the one the stored identity was made with means "register again"
// (the way back after a revocation). The signing key is pinned: configured, or taken at the first
// registration, and never replaced by what a later registration says.
import type { Logger } from '@tether/core';
import { type BackoffOptions, createBackoff } from './backoff.ts';
import { type AgentClient, isApiError } from './client.ts';
import { type AgentState, type CredentialStore, tokenHash } from './credentials.ts';
import { errText } from './lease.ts';
import type { Metrics } from './metrics.ts';
import { type PublicKey, parsePublicKey, sameKey } from './verify.ts';

/** The agent cannot run as configured; `exitCode` for main. */
export class FatalError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'FatalError';
    this.exitCode = exitCode;
  }
}

/** Exit code when the control plane refuses the credential or the bootstrap token. */
export const EXIT_UNAUTHORIZED = 3;

export interface IdentityDeps {
  client: AgentClient;
  store: CredentialStore;
  url: string;
  bootstrapToken: string | undefined;
  configuredKey: string | undefined;
  backoff: BackoffOptions;
  logger: Logger;
  metrics: Metrics;
  signal: AbortSignal;
}

export interface Identity {
  state: AgentState;
  signingKey: PublicKey;
  /** From the registration, when this start registered. */
  heartbeatIntervalSeconds?: number;
}

export async function establishIdentity(deps: IdentityDeps): Promise<Identity> {
  const log = deps.logger;
  const stored = await deps.store.load();
  const configured = deps.configuredKey ? parsePublicKey(deps.configuredKey) : undefined;
  const token = deps.bootstrapToken;
  const freshToken = token !== undefined && tokenHash(token) !== stored?.bootstrapTokenHash;

  const useStored = (state: AgentState): Identity => {
    if (state.url !== deps.url) {
      log.warn(
        { storedUrl: state.url },
        'the stored credential was issued by another TETHER_URL; using it anyway',
      );
    }
    const pinned = parsePublicKey(state.signingPublicKey);
    if (configured && !sameKey(configured, pinned)) {
      throw new FatalError(
        `TETHER_SIGNING_PUBLIC_KEY differs from the key pinned in ${deps.store.location}; refusing to run`,
      );
    }
    log.info(
      { agentId: state.agentId, cluster: state.cluster, store: deps.store.location },
      'credential loaded',
    );
    return { state, signingKey: pinned };
  };
  if (stored && !freshToken) return useStored(stored);
  if (token === undefined) {
    throw new FatalError(
      `no credential in ${deps.store.location} and no TETHER_BOOTSTRAP_TOKEN to register with`,
      2,
    );
  }

  const backoff = createBackoff(deps.backoff);
  for (;;) {
    if (deps.signal.aborted) throw new FatalError('stopped before registering', 0);
    try {
      const reg = await deps.client.register(token, deps.signal);
      deps.metrics.setConnected(true);
      const offered = parsePublicKey(reg.signingPublicKey);
      const pinned = configured ?? (stored ? parsePublicKey(stored.signingPublicKey) : offered);
      if (!sameKey(pinned, offered)) {
        throw new FatalError('the control plane offers a signing key other than the pinned one; refusing it');
      }
      const state: AgentState = {
        agentId: reg.agentId,
        clusterId: reg.clusterId,
        cluster: reg.cluster,
        credential: reg.credential,
        signingPublicKey: pinned.pem,
        url: deps.url,
        bootstrapTokenHash: tokenHash(token),
        registeredAt: new Date().toISOString(),
      };
      await deps.store.save(state);
      log.info(
        { agentId: state.agentId, cluster: state.cluster, store: deps.store.location },
        'registered; credential stored',
      );
      return { state, signingKey: pinned, heartbeatIntervalSeconds: reg.heartbeatIntervalSeconds };
    } catch (err) {
      if (err instanceof FatalError) throw err;
      if (isApiError(err, 'aborted')) throw new FatalError('stopped before registering', 0);
      if (isApiError(err, 'unauthorized')) {
        deps.metrics.error('unauthorized');
        if (stored) {
          log.warn('the bootstrap token was refused (spent or expired); keeping the stored credential');
          return useStored(stored);
        }
        throw new FatalError('the bootstrap token was refused: unknown, spent or expired', EXIT_UNAUTHORIZED);
      }
      if (isApiError(err) && !err.transient) throw new FatalError(`registration failed: ${err.message}`);
      deps.metrics.error('unreachable');
      deps.metrics.setConnected(false);
      const level = backoff.failures === 0 ? 'warn' : 'debug';
      log[level]({ err: errText(err), failures: backoff.failures + 1 }, 'registration failed; retrying');
      await backoff.wait(deps.signal);
    }
  }
}
