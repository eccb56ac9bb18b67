import type { Pool } from 'pg';
import type { AuthenticatorRecord } from '../../gateway/ports.js';
import {
  AUTHENTICATOR_COLUMNS,
  inColumnOrder,
  toAuthenticator,
  toAuthenticatorRow,
  type AuthenticatorRow,
} from '../sql/rows.js';
import { postgresIntegers, type BigintText } from './values.js';

const columns = AUTHENTICATOR_COLUMNS.join(', ');

/** Authenticator app enrolments (TOTP secrets and the last accepted time step). */
export class PostgresAuthenticators {
  constructor(private readonly pool: Pool) {}

  async get(user: string): Promise<AuthenticatorRecord | undefined> {
    const { rows } = await this.pool.query<AuthenticatorRow<BigintText>>(
      `SELECT ${columns} FROM authenticators WHERE username = $1`,
      [user],
    );
    const row = rows[0];
    return row && toAuthenticator(row, postgresIntegers);
  }

  async save(record: AuthenticatorRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO authenticators (${columns}) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO UPDATE SET
         secret = excluded.secret, created_at = excluded.created_at,
         last_used_step = excluded.last_used_step`,
      inColumnOrder(toAuthenticatorRow(record), AUTHENTICATOR_COLUMNS),
    );
  }

  async list(): Promise<AuthenticatorRecord[]> {
    const { rows } = await this.pool.query<AuthenticatorRow<BigintText>>(
      `SELECT ${columns} FROM authenticators ORDER BY username COLLATE "C"`,
    );
    return rows.map((row) => toAuthenticator(row, postgresIntegers));
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
