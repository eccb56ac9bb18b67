import type { Pool } from 'pg';
import type { AuthenticatorRecord } from '../../gateway/ports.js';
import { fromMillis, toIntegerOrNull, toMillis, type BigintText } from './values.js';

interface AuthenticatorRow {
  username: string;
  secret: string;
  created_at: BigintText;
  last_used_step: BigintText | null;
}

function toAuthenticator(row: AuthenticatorRow): AuthenticatorRecord {
  return {
    user: row.username,
    secret: row.secret,
    createdAt: fromMillis(row.created_at),
    lastUsedStep: toIntegerOrNull(row.last_used_step),
  };
}

const columns = 'username, secret, created_at, last_used_step';

/** Authenticator app enrolments (TOTP secrets and the last accepted time step). */
export class PostgresAuthenticators {
  constructor(private readonly pool: Pool) {}

  async get(user: string): Promise<AuthenticatorRecord | undefined> {
    const { rows } = await this.pool.query<AuthenticatorRow>(
      `SELECT ${columns} FROM authenticators WHERE username = $1`,
      [user],
    );
    const row = rows[0];
    return row && toAuthenticator(row);
  }

  async save(record: AuthenticatorRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO authenticators (${columns}) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO UPDATE SET
         secret = excluded.secret, created_at = excluded.created_at,
         last_used_step = excluded.last_used_step`,
      [record.user, record.secret, toMillis(record.createdAt), record.lastUsedStep],
    );
  }

  async list(): Promise<AuthenticatorRecord[]> {
    const { rows } = await this.pool.query<AuthenticatorRow>(
      `SELECT ${columns} FROM authenticators ORDER BY username COLLATE "C"`,
    );
    return rows.map(toAuthenticator);
  }

  async removeFor(user: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM authenticators WHERE username = $1', [user]);
    return (result.rowCount ?? 0) > 0;
  }

  async useStepFor(user: string, step: number): Promise<boolean> {
    // One conditional UPDATE: the row lock makes a racing request re-check the condition after the
    // first commits, so two requests with the same code cannot both see the step as unused.
    const result = await this.pool.query(
      `UPDATE authenticators SET last_used_step = $2
       WHERE username = $1 AND (last_used_step IS NULL OR last_used_step < $2)`,
      [user, step],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
