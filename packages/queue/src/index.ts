export * from './catalog.ts';
export * from './claims.ts';
export * from './consumer.ts';
export * from './errors.ts';
export type { JobContext, JobHandler, JobHandlers } from './execute.ts';
export * from './inspect.ts';
export * from './lane-jobs.ts';
export { type JobAddedCallback, WAKE_EVENT, wakeLane } from './lane-watch.ts';
export * from './lanes.ts';
export * from './producer.ts';
export {
  type CreateRedisOptions,
  closeRedis,
  createRedis,
  type PingResult,
  ping,
  type RedisRole,
  waitForReady,
} from './redis.ts';
export * from './target-jobs.ts';
export { type Validation, validatePayload } from './validate.ts';
