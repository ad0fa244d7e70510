// Snapshot files: every cluster's objects, resourceVersion counter and rollout clocks, as JSON.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ObjectTracking, VirtualCluster } from './cluster.ts';
import type { KubeObject } from './types.ts';

export interface ClusterSnapshot {
  name: string;
  resourceVersion: number;
  objects: Array<{ storageKey: string; object: KubeObject }>;
  tracking: Record<string, ObjectTracking>;
}

export interface SnapshotFile {
  version: 1;
  savedAt: string;
  clusters: ClusterSnapshot[];
}

export function snapshotCluster(cluster: VirtualCluster): ClusterSnapshot {
  const objects: ClusterSnapshot['objects'] = [];
  for (const storageKey of cluster.store.storageKeys().sort()) {
    for (const object of cluster.store.list(storageKey)) objects.push({ storageKey, object });
  }
  return {
    name: cluster.name,
    resourceVersion: cluster.store.currentRv(),
    objects,
    tracking: Object.fromEntries(cluster.tracking),
  };
}

export function writeSnapshot(path: string, clusters: VirtualCluster[]): void {
  const data: SnapshotFile = {
    version: 1,
    savedAt: new Date().toISOString(),
    clusters: clusters.map(snapshotCluster),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, path);
}

export function readSnapshot(path: string): SnapshotFile | undefined {
  if (!existsSync(path)) return undefined;
  const data = JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile;
  if (data.version !== 1 || !Array.isArray(data.clusters))
    throw new Error(`unsupported snapshot file ${path}`);
  return data;
}
