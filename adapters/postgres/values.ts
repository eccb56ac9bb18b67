/**
 * Times are BIGINT epoch milliseconds, as in SQLite. node-postgres returns BIGINT (and count(*))
 * as strings, because not every 64-bit value fits a JS number; every value stepgate stores does,
 * and one that does not means a corrupt row, so it fails loudly instead of rounding. Writing goes
 * through ../sql/time.ts, shared with SQLite.
 */
import type { IntegerColumns } from '../sql/rows.js';

/** A BIGINT as node-postgres hands it over. */
export type BigintText = string;

export function toInteger(value: BigintText | number): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`store: '${value}' is not a whole number in range`);
  return parsed;
}

export function fromMillis(value: BigintText): Date {
  return new Date(toInteger(value));
}

export const postgresIntegers: IntegerColumns<BigintText> = { integer: toInteger, time: fromMillis };
