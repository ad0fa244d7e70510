// A monorepo with many small applications, for the fan-out test and benchmark.
import { createApplication, createCluster, type Db } from '@tether/db';
import { createTestRepo, type TestRepo } from '@tether/testing/git';

const ADMIN = { actor: { type: 'token' as const, name: 'test' } };

export interface Monorepo {
  repo: TestRepo;
  base: string;
  names: string[];
}

export async function seedMonorepo(db: Db, count: number): Promise<Monorepo> {
  const repo = await createTestRepo();
  const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const files: Record<string, string> = {};
  for (const n of names) {
    files[`apps/${n}/config.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\ndata:\n  v: "1"\n`;
  }
  files['README.md'] = '# platform monorepo\n';
  await repo.writeFiles(files);
  const base = await repo.commit('many services');
  await createCluster(db, { name: 'mono', mode: 'push', server: 'https://127.0.0.1:1' }, ADMIN);
  for (const n of names) {
    await createApplication(
      db,
      {
        name: n,
        repoUrl: repo.url,
        path: `apps/${n}`,
        targetRevision: 'main',
        automated: true,
        destinations: [{ cluster: 'mono', namespace: n }],
      },
      ADMIN,
    );
  }
  return { repo, base, names };
}

/** Changes the config of the given services in one commit; returns the new SHA. */
export async function touch(m: Monorepo, services: string[], v: string): Promise<string> {
  const files: Record<string, string> = {};
  for (const n of services) {
    files[`apps/${n}/config.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\ndata:\n  v: "${v}"\n`;
  }
  await m.repo.writeFiles(files);
  return m.repo.commit(`touch ${services.join(',')}`);
}
