// What the pull path's services share inside one API process (built by gateway.ts).
import type { Logger } from '@tether/core';
import type { Db } from '@tether/db';
import type { GitMirrorCache } from '@tether/manifests';
import type { Claimer, Producer } from '@tether/queue';
import type { LaneJobs, RedisConnection } from './lane-jobs.ts';
import type { Signer } from './signing.ts';

export interface PullSettings {
  /** Lease TTL: the queue lock and the target's lease both run this long without a heartbeat. */
  leaseTtlMs: number;
  bootstrapTokenTtlMs: number;
  /** target.sync attempts in the job catalog: claims and retries beyond it fail the target. */
  maxAttempts: number;
  /** Where agents reach the control plane (manifests); undefined: derived from the request. */
  publicUrl: string | undefined;
  agentImage: string;
  agentNamespace: string;
  /** Names this API process in audit events and locks. */
  processId: string;
  prefix: string;
  /** How long a diff of a pull cluster waits for its agent's answer. */
  diffTimeoutMs: number;
}

export interface PullContext {
  db: Db;
  redis: RedisConnection;
  producer: Producer;
  mirrors: GitMirrorCache;
  signer: Signer;
  claimer: Claimer;
  laneJobs: LaneJobs;
  logger: Logger;
  settings: PullSettings;
}
