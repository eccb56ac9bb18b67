/**
 * Times are stored as whole epoch milliseconds (INTEGER in SQLite, BIGINT in PostgreSQL): they
 * round-trip exactly (a Date has millisecond precision) and compare and index as numbers.
 */

export function toMillis(date: Date): number {
  const millis = date.getTime();
  // An invalid Date would reach SQLite as NaN and be stored as NULL, and PostgreSQL as 'NaN' with a
  // confusing message; say what went wrong instead.
  if (!Number.isFinite(millis)) throw new TypeError('store: invalid date');
  return millis;
}

export function toMillisOrNull(date: Date | null): number | null {
  return date === null ? null : toMillis(date);
}
