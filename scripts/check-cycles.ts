// Fails when any TypeScript import cycle exists, inside a package or across workspaces.
import { spawnSync } from 'node:child_process';

const res = spawnSync(
  'npx',
  [
    'dpdm',
    '--no-warning',
    '--no-tree',
    '--exit-code',
    'circular:1',
    '-T',
    '--transform',
    'apps/*/src/**/*.ts',
    'packages/*/src/**/*.ts',
  ],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
