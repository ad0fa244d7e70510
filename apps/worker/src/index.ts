export { loadWorkerConfig, type WorkerConfig, workerConfigSpec } from './config.ts';
export type { Failure } from './failure.ts';
export { type RunningWorker, startWorker } from './main.ts';
export type { SyncResult } from './record.ts';
export {
  createSweeper,
  type Sweeper,
  type SweeperDeps,
  type SweeperOptions,
  type SweepReport,
} from './sweeper.ts';
export { createSyncTargetHandler, type SyncTargetDeps, type SyncTargetResult } from './sync-target.ts';
export { type CloseOptions, createPushWorker, type PushWorker, type PushWorkerDeps } from './worker.ts';
