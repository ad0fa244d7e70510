import type { Logger } from '@tether/core';
import type { Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import type { Producer } from '@tether/queue';

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
}
