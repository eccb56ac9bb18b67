/**
 * Times are stored as INTEGER epoch milliseconds: they round-trip exactly (a Date has millisecond
 * precision), compare and index as numbers, and become BIGINT in PostgreSQL without conversion.
 */

export function toMillis(date: Date): number {
  const millis = date.getTime();
  // An invalid Date would reach SQLite as NaN and be stored as NULL; say what went wrong instead.
  if (!Number.isFinite(millis)) throw new TypeError('store: invalid date');
  return millis;
}

export function toMillisOrNull(date: Date | null): number | null {
  return date === null ? null : toMillis(date);
}

export function fromMillis(millis: number): Date {
  return new Date(millis);
}

export function fromMillisOrNull(millis: number | null): Date | null {
  return millis === null ? null : new Date(millis);
}
