// Sums the per-workspace counts written by count-reporter into one closing line. The argument is
// turbo's exit code: a workspace that failed without reporting a test still fails the run.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = '.test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(dir)) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    passed: number;
    failed: number;
    skipped: number;
  };
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
const turboCode = Number(process.argv[2] ?? 0);
if (turboCode !== 0 && failed === 0)
  process.stdout.write(`a workspace's tests failed to run (turbo exit ${turboCode})\n`);
process.exit(failed > 0 || passed === 0 || turboCode !== 0 ? 1 : 0);
