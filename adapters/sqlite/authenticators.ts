import type Database from 'better-sqlite3';
import type { AuthenticatorRecord } from '../../gateway/ports.js';
import { toAuthenticator, toAuthenticatorRow, type AuthenticatorRow } from '../sql/rows.js';
import { sqliteIntegers } from './time.js';

/** Authenticator app enrolments (TOTP secrets and the last accepted time step). */
export class SqliteAuthenticators {
  private readonly select: Database.Statement<[string], AuthenticatorRow>;
  private readonly selectAll: Database.Statement<[], AuthenticatorRow>;
  private readonly upsert: Database.Statement<[AuthenticatorRow]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly useStep: Database.Statement<{ username: string; step: number }>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT * FROM authenticators WHERE username = ?');
    this.selectAll = db.prepare('SELECT * FROM authenticators ORDER BY username ASC');
    this.upsert = db.prepare(`
      INSERT INTO authenticators (username, secret, created_at, last_used_step)
      VALUES (@username, @secret, @created_at, @last_used_step)
      ON CONFLICT (username) DO UPDATE SET
        secret = excluded.secret, created_at = excluded.created_at, last_used_step = excluded.last_used_step`);
    this.remove = db.prepare('DELETE FROM authenticators WHERE username = ?');
    // One conditional UPDATE: two requests racing with the same code cannot both see the step as unused.
    this.useStep = db.prepare(`
      UPDATE authenticators SET last_used_step = @step
      WHERE username = @username AND (last_used_step IS NULL OR last_used_step < @step)`);
  }

  get(user: string): AuthenticatorRecord | undefined {
    const row = this.select.get(user);
    return row && toAuthenticator(row, sqliteIntegers);
  }

  /** Every enrolment, by username: for re-encryption under a new key. */
  listAll(): AuthenticatorRecord[] {
    return this.selectAll.all().map((row) => toAuthenticator(row, sqliteIntegers));
  }

  save(record: AuthenticatorRecord): void {
    this.upsert.run(toAuthenticatorRow(record));
  }

  removeFor(user: string): boolean {
    return this.remove.run(user).changes > 0;
  }

  useStepFor(user: string, step: number): boolean {
    return this.useStep.run({ username: user, step }).changes > 0;
  }
}
