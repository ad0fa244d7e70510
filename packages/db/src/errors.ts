// Errors the services throw. They extend @tether/core's TetherError, so the API maps their
// stable `code` to an HTTP status without knowing about the database.
import { TetherError } from '@tether/core';

export class NotFoundError extends TetherError {
  constructor(entity: string, key: string, details: Record<string, unknown> = {}) {
    super('not_found', `${entity} "${key}" not found`, { entity, key, ...details });
    this.name = 'NotFoundError';
  }
}

/** A uniqueness or state conflict the caller can resolve (rename, retry, remove a reference). */
export class ConflictError extends TetherError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('conflict', message, details, options);
    this.name = 'ConflictError';
  }
}

/** Something with this name or key exists already. */
export class AlreadyExistsError extends TetherError {
  constructor(entity: string, key: string, options?: ErrorOptions) {
    super('already_exists', `${entity} "${key}" already exists`, { entity, key }, options);
    this.name = 'AlreadyExistsError';
  }
}

/** A state machine refused a move (e.g. a succeeded target cannot run again). */
export class InvalidTransitionError extends TetherError {
  readonly from: string;
  readonly to: string;
  constructor(entity: string, id: string, from: string, to: string) {
    super('invalid_transition', `${entity} ${id} cannot go from ${from} to ${to}`, { entity, id, from, to });
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** A lease holder reported with a fencing epoch that is no longer current. */
export class StaleLeaseError extends TetherError {
  constructor(targetId: string, epoch: number, current: number) {
    super('conflict', `target ${targetId}: lease epoch ${epoch} is stale (current ${current})`, {
      targetId,
      epoch,
      current,
      reason: 'stale_lease',
    });
    this.name = 'StaleLeaseError';
  }
}

export type MigrationErrorReason =
  | 'failed_migration_recorded'
  | 'checksum_mismatch'
  | 'apply_failed'
  | 'lock_timeout';

/** The migrator refused to run or a migration failed; nothing half-applied is left behind. */
export class MigrationError extends Error {
  readonly reason: MigrationErrorReason;
  readonly migration: string | undefined;
  constructor(reason: MigrationErrorReason, message: string, migration?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.reason = reason;
    this.migration = migration;
  }
}

/** Prisma's unique-constraint violation (P2002), possibly wrapped by a driver adapter. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  return e.code === 'P2002' || e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}

/**
 * Another target of the same application on the same cluster is running: applies of one
 * application to one cluster never overlap, so this one waits its turn.
 */
export class TargetBusyError extends TetherError {
  readonly runningTargetId: string;
  constructor(targetId: string, runningTargetId: string) {
    super(
      'conflict',
      `target ${targetId} waits: ${runningTargetId} of the same application and cluster is running`,
      {
        targetId,
        runningTargetId,
      },
    );
    this.name = 'TargetBusyError';
    this.runningTargetId = runningTargetId;
  }
}
