// Sums the per-workspace counts written by count-reporter into one closing line.
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
process.exit(failed > 0 || passed === 0 ? 1 : 0);
