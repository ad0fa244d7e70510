// Keyset pagination, newest first. Ids embed their creation time, so ordering by id is ordering
// by creation, with the id itself as a unique tie-breaker; the cursor is the last id returned.
import { TetherError } from '@tether/core';

export interface PageOptions {
  cursor?: string | null;
  /** 1..200, default 50. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new TetherError('invalid_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
      limit,
    });
  }
  return limit;
}

/** Given up to size+1 rows, the page and the cursor that continues after it. */
export function toPage<T>(rows: T[], size: number, cursorOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > size && last !== undefined ? cursorOf(last) : null };
}
