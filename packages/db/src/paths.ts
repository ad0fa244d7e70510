import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** packages/db */
export const PACKAGE_DIR = resolve(here, '..');
/** The repository root, where prisma/ lives. */
export const REPO_ROOT = resolve(PACKAGE_DIR, '../..');
export const SCHEMA_PATH = join(REPO_ROOT, 'prisma/schema.prisma');
export const MIGRATIONS_DIR = join(REPO_ROOT, 'prisma/migrations');
export const PRISMA_CONFIG_PATH = join(PACKAGE_DIR, 'prisma.config.ts');
export const GENERATED_DIR = join(PACKAGE_DIR, 'generated/prisma');
