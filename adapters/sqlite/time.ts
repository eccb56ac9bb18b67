/**
 * better-sqlite3 hands INTEGER columns (epoch milliseconds, counts, ids) over as numbers, and the
 * STRICT tables hold only integers there, so reading them needs no parsing. Writing goes through
 * ../sql/time.ts, shared with PostgreSQL.
 */
import type { IntegerColumns } from '../sql/rows.js';

export function fromMillis(millis: number): Date {
  return new Date(millis);
}

export const sqliteIntegers: IntegerColumns<number> = { integer: (value) => value, time: fromMillis };
