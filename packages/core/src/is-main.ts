import { realpathSync } from 'node:fs';

/**
 * True when the module is the process entry point. `import.meta.main` exists only from
 * Node 24.2, and engines allow 22.12, so compare real paths instead.
 */
export function isMain(meta: ImportMeta): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(meta.filename);
  } catch {
    return false;
  }
}
