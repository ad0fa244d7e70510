import type { Logger } from '@tether/core';
import type { Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import type { Producer } from '@tether/queue';
import type { AgentGateway } from './agent/gateway.ts';

/** Everything the HTTP layer needs, built by main.ts (or a test) and passed in: no singletons. */
export interface AppDeps {
  db: Db;
  producer: Producer;
  /** Resolves branch/tag names to commits for deployments asked for over REST. */
  mirrors: GitMirrorCache;
  logger: Logger;
  adminToken: string;
  webhookSecret: string;
  /** Named readiness probes for /readyz; each throws when its dependency is unreachable. */
  checks: Record<string, () => Promise<void>>;
  /**
   * The pull path: /agent/v1, bundles, agent manifests. Absent (an API serving only push
   * clusters): /agent/v1 is not served and the manifest route answers 503.
   */
  pull?: AgentGateway;
}
