// Runs one workspace's tests with node's own test runner and records the counts,
// so the root `npm test` can print one closing line for the whole monorepo.
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string };
const files = globSync('test/**/*.test.ts').sort();
const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `${basename(pkg.name)}.json`);

if (files.length === 0) {
  process.stdout.write(`${pkg.name}: no test files\n`);
  process.exit(0);
}

const args = [
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'scripts/count-reporter.ts')}`,
  `--test-reporter-destination=${out}`,
  ...files,
];
const res = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
if (!existsSync(out)) process.stderr.write(`${pkg.name}: test results were not written\n`);
process.exit(res.status ?? 1);
