/**
 * Times are BIGINT epoch milliseconds, as in SQLite. node-postgres returns BIGINT (and count(*))
 * as strings, because not every 64-bit value fits a JS number; every value stepgate stores does,
 * and one that does not means a corrupt row, so it fails loudly instead of rounding.
 */

/** A BIGINT as node-postgres hands it over. */
export type BigintText = string;

export function toInteger(value: BigintText | number): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`store: '${value}' is not a whole number in range`);
  return parsed;
}

export function toIntegerOrNull(value: BigintText | number | null): number | null {
  return value === null ? null : toInteger(value);
}

export function toMillis(date: Date): number {
  const millis = date.getTime();
  // An invalid Date would reach PostgreSQL as 'NaN' and fail with a confusing message.
  if (!Number.isFinite(millis)) throw new TypeError('store: invalid date');
  return millis;
}

export function toMillisOrNull(date: Date | null): number | null {
  return date === null ? null : toMillis(date);
}

export function fromMillis(value: BigintText): Date {
  return new Date(toInteger(value));
}

export function fromMillisOrNull(value: BigintText | null): Date | null {
  return value === null ? null : fromMillis(value);
}
