// The one place a PrismaClient is built. No singleton: each app's main.ts calls createDb once,
// passes the client down and disconnects it on shutdown.
import { PrismaPg } from '@prisma/adapter-pg';
import { type Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
/** What a service accepts: the client (it opens its own transaction) or a caller's transaction. */
export type DbTx = PrismaClient | Prisma.TransactionClient;
export type Tx = Prisma.TransactionClient;

export interface CreateDbOptions {
  /** Pool size of this process (default 10). */
  poolSize?: number;
  /** Per-statement limit set on every connection (default 30 s). */
  statementTimeoutMs?: number;
  /** Limit on opening a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** Interactive transactions: wait for a connection / total duration (defaults 10 s / 30 s). */
  transactionMaxWaitMs?: number;
  transactionTimeoutMs?: number;
  applicationName?: string;
}

export function createDb(databaseUrl: string, options: CreateDbOptions = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'tether',
  });
  return new PrismaClient({
    adapter,
    transactionOptions: {
      maxWait: options.transactionMaxWaitMs ?? 10_000,
      timeout: options.transactionTimeoutMs ?? 30_000,
    },
  });
}

// A transaction client lacks $disconnect (Prisma's ITX deny list); it does have $transaction,
// which would open a savepoint, so that cannot tell them apart.
function isClient(db: DbTx): db is PrismaClient {
  return typeof (db as Partial<PrismaClient>).$disconnect === 'function';
}

/**
 * Runs `fn` in a transaction: a new one when given the client, the caller's when given a
 * transaction, so services compose and a state change commits together with its audit events.
 */
export function withTx<T>(db: DbTx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return isClient(db) ? db.$transaction(fn) : fn(db);
}
