export * from './actor.ts';
export * from './agent-wire.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './is-main.ts';
export * from './logger.ts';
export * from './repo-url.ts';
