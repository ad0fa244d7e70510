import type { KubeObject } from '../types.ts';

export interface StatusSimOptions {
  /** How long a rollout takes to become ready after its generation changes; default 0 (immediate). */
  readyDelayMs: number;
  /** Nodes a DaemonSet schedules onto; default 1. */
  nodeCount?: number;
}

export interface SimulatedStatus {
  /** The status to store, or undefined when this kind's status is not simulated. */
  status: Record<string, unknown> | undefined;
  /** Epoch ms at which the status will change again without any write (a timer should fire), if ever. */
  nextChangeAt: number | undefined;
}

export interface SimulateInput {
  object: KubeObject;
  /** Epoch ms when the object's current generation was written (rollout start). */
  generationSince: number;
  now: number;
  options: StatusSimOptions;
}
