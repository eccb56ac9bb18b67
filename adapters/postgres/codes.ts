import type { Pool } from 'pg';
import type { CodePurpose, OneTimeCode } from '../../gateway/ports.js';
import { CODE_COLUMNS, inColumnOrder, toCode, toCodeRow, type CodeRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { postgresIntegers, type BigintText } from './values.js';

const columns = CODE_COLUMNS.join(', ');

/**
 * One-time codes sent by SMS or email. Every change to a code is one statement: its row lock makes
 * a racing statement wait, then re-check its condition against the committed row.
 */
export class PostgresCodes {
  constructor(private readonly pool: Pool) {}

  async save(code: OneTimeCode): Promise<void> {
    await this.pool.query(
      `INSERT INTO one_time_codes (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET
         username = excluded.username, purpose = excluded.purpose, method = excluded.method,
         hash = excluded.hash, destination = excluded.destination, created_at = excluded.created_at,
         expires_at = excluded.expires_at, attempts = excluded.attempts,
         max_attempts = excluded.max_attempts, consumed_at = excluded.consumed_at`,
      inColumnOrder(toCodeRow(code), CODE_COLUMNS),
    );
  }

  async getLatest(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined> {
    const { rows } = await this.pool.query<CodeRow<BigintText>>(
      `SELECT ${columns} FROM one_time_codes
       WHERE username = $1 AND purpose = $2 AND consumed_at IS NULL
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [user, purpose],
    );
    const row = rows[0];
    return row && toCode(row, postgresIntegers);
  }

  /** 0 when the code no longer exists (deleted by cleanup in the meantime). */
  async attempt(id: string): Promise<number> {
    const { rows } = await this.pool.query<{ attempts: number }>(
      'UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
      [id],
    );
    return rows[0]?.attempts ?? 0;
  }

  async consumeOnce(id: string, at: Date): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE one_time_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL',
      [id, toMillis(at)],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Deletes codes that expired before `time`: a code still valid at `time` is never removed. */
  async deleteBefore(time: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM one_time_codes WHERE expires_at < $1', [
      toMillis(time),
    ]);
    return result.rowCount ?? 0;
  }
}
