export * from './audit.ts';
export * from './client.ts';
export * from './errors.ts';
export * from './migrate.ts';
export * from './repos/clusters.ts';
export * from './repos/page.ts';
