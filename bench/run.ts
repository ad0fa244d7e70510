// `npm run bench`: runs every `*.bench.ts` under packages/*/bench and apps/*/bench and prints
// one table. A bench module exports `run(): Promise<BenchResult[]>`. Speed is measured here,
// never asserted in tests.
import { globSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const root = resolve(import.meta.dirname, '..');
const only = process.argv[2];
const files = globSync(
  ['packages/*/bench/*.bench.ts', 'apps/*/bench/*.bench.ts', 'tests/*/bench/*.bench.ts', 'bench/*.bench.ts'],
  {
    cwd: root,
  },
)
  .filter((f) => !only || f.includes(only))
  .sort();

const rows: Array<[string, string, string, string]> = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(resolve(root, file)).href)) as {
    run?: () => Promise<BenchResult[]>;
  };
  if (typeof mod.run !== 'function') continue;
  process.stderr.write(`running ${file}\n`);
  for (const r of await mod.run()) {
    rows.push([
      relative(root, file).replace(/\.bench\.ts$/, ''),
      r.name,
      r.value.toFixed(r.value < 10 ? 2 : 0),
      r.unit,
    ]);
  }
}

const header: [string, string, string, string] = ['suite', 'benchmark', 'value', 'unit'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
for (const r of rows) process.stdout.write(`${line(r)}\n`);
if (rows.length === 0) process.stdout.write('(no benchmarks found)\n');
process.exit(0);
