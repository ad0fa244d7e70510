// kubeconfig files pointing at a simulated cluster (token and CA inline).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigEntry {
  name: string;
  server: string;
  token?: string | undefined;
  caPem?: string | undefined;
  namespace?: string | undefined;
}

export function kubeconfigYaml(entries: KubeconfigEntry[], current?: string): string {
  const first = entries[0];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.name,
      cluster: e.caPem
        ? { server: e.server, 'certificate-authority-data': Buffer.from(e.caPem).toString('base64') }
        : { server: e.server },
    })),
    users: entries.map((e) => ({ name: e.name, user: e.token ? { token: e.token } : {} })),
    contexts: entries.map((e) => ({
      name: e.name,
      context: { cluster: e.name, user: e.name, namespace: e.namespace ?? 'default' },
    })),
    'current-context': current ?? first?.name ?? '',
  });
}

export function writeKubeconfigFile(path: string, yaml: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, yaml, { mode: 0o600 });
}
