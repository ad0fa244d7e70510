// A bundle the control plane named (for a job, a diff or a drift check), fetched and checked
// before anything uses it: digest, signature (the claim's and the response header's), content.
// Transient failures are retried a few times with backoff.
import type { Logger } from '@tether/core';
import { type BackoffOptions, createBackoff } from './backoff.ts';
import { type AgentClient, type BundleRef, isApiError } from './client.ts';
import type { Metrics } from './metrics.ts';
import { type Bundle, BundleRejected, type PublicKey, verifyBundle } from './verify.ts';

export interface FetchBundleDeps {
  client: AgentClient;
  signingKey: PublicKey;
  logger: Logger;
  metrics: Metrics;
  backoff: BackoffOptions;
}

/** What the bundle must be: the named bytes, of this application at this commit. */
export interface WantedBundle {
  bundle: BundleRef;
  application: string;
  sha: string;
}

/** Throws BundleRejected (never retried), or the last AgentApiError once retries are spent. */
export async function fetchVerifiedBundle(
  deps: FetchBundleDeps,
  want: WantedBundle,
  signal: AbortSignal,
): Promise<Bundle> {
  const backoff = createBackoff(deps.backoff);
  for (;;) {
    try {
      const { bytes, signature } = await deps.client.bundle(want.bundle.digest, signal);
      const signatures = [want.bundle.signature, ...(signature ? [signature] : [])].filter((s) => s !== '');
      return verifyBundle(
        bytes,
        { digest: want.bundle.digest, signatures, application: want.application, sha: want.sha },
        deps.signingKey,
      );
    } catch (err) {
      if (err instanceof BundleRejected) {
        deps.metrics.error('bundle_rejected');
        throw err;
      }
      if (signal.aborted) throw err;
      if (isApiError(err) && err.transient && backoff.failures < 4) {
        deps.metrics.error('unreachable');
        deps.logger.warn({ err: err.message }, 'fetching the bundle failed; retrying');
        await backoff.wait(signal);
        continue;
      }
      throw err;
    }
  }
}
