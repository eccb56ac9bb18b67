/**
 * What the SQLite and PostgreSQL migrations share: the shape of a migration, the refusal of a
 * database written by a newer stepgate, and the check that a list of migrations is in order.
 * Applying them is each dialect's own business (locks and transactions differ).
 */

/** `Code` is how a dialect runs a migration written in TypeScript (`(db) => void` for SQLite). */
export interface Migration<Code = never> {
  version: number;
  name: string;
  /** SQL, or code for what SQL cannot say alone, run inside the migration's own transaction. */
  up: string | Code;
}

/** The database was written by a newer stepgate; running older code on it could corrupt it. */
export class SchemaTooNewError extends Error {
  readonly code = 'schema_too_new';

  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`store: database schema version ${found} is newer than this stepgate (${known}); upgrade stepgate`);
    this.name = 'SchemaTooNewError';
  }
}

/** Versions must be whole numbers that increase, or "pending" (version > current) means nothing. */
export function assertOrdered(list: readonly Migration<unknown>[]): void {
  list.forEach((migration, index) => {
    const previous = index === 0 ? 0 : (list[index - 1]?.version ?? 0);
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new Error(
        `store: migration versions must increase; '${migration.name}' has ${migration.version}`,
      );
    }
  });
}
