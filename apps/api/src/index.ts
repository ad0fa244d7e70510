export { type BuildOptions, buildApp } from './app.ts';
export { type ApiConfig, apiConfigSpec, loadApiConfig } from './config.ts';
export type { AppDeps } from './deps.ts';
export { type RunningApi, startApi } from './main.ts';
