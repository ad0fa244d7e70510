// Read by the Prisma CLI (`prisma generate`, and `prisma migrate status|deploy` on a machine that
// has Prisma's engines). Paths are relative to this file; the schema lives at the repo root.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/tether' },
});
