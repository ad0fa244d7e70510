// `npm run db:migrate` (root) / `npm run migrate -w @tether/db`: applies pending migrations to
// DATABASE_URL. The apps call migrate() themselves at start-up; this is for operators and CI.
import { createLogger, errorMessage } from '@tether/core';
import { migrate } from '../migrate.ts';

const logger = createLogger('migrate');
const url = process.env.DATABASE_URL;
if (url === undefined || url === '') {
  logger.error('DATABASE_URL is required (e.g. postgresql://postgres@127.0.0.1:5432/tether)');
  process.exit(2);
}
try {
  const res = await migrate(url, { logger });
  logger.info({ applied: res.applied, total: res.total }, 'migrate done');
} catch (err) {
  logger.error({ err }, `migrate failed: ${errorMessage(err)}`);
  process.exitCode = 1;
}
