// The registry reachable here serves only this platform's binaries, so `npm install` leaves
// other platforms' optional packages (biome, turbo) out of package-lock.json and `npm ci`
// then refuses the lock. This adds the entries npm would have written elsewhere; they are
// never fetched on linux-x64 because their os/cpu do not match. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

interface Entry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  license?: string;
}

const PLATFORMS: Array<[RegExp, Pick<Entry, 'os' | 'cpu' | 'libc'>]> = [
  [/linux-x64-musl$/, { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
  [/linux-arm64-musl$/, { os: ['linux'], cpu: ['arm64'], libc: ['musl'] }],
  [/(linux-x64|linux-64)$/, { os: ['linux'], cpu: ['x64'] }],
  [/linux-arm64$/, { os: ['linux'], cpu: ['arm64'] }],
  [/darwin-(x64|64)$/, { os: ['darwin'], cpu: ['x64'] }],
  [/darwin-arm64$/, { os: ['darwin'], cpu: ['arm64'] }],
  [/(win32|windows)-(x64|64)$/, { os: ['win32'], cpu: ['x64'] }],
  [/(win32|windows)-arm64$/, { os: ['win32'], cpu: ['arm64'] }],
  [/android-arm64$/, { os: ['android'], cpu: ['arm64'] }],
  [/android-x64$/, { os: ['android'], cpu: ['x64'] }],
];

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Entry> };
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const platform = PLATFORMS.find(([re]) => re.test(name))?.[1];
    if (!platform) {
      process.stderr.write(`skip ${name} (needed by ${path}): unknown platform\n`);
      continue;
    }
    lock.packages[key] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`added ${added} optional platform entries\n`);
