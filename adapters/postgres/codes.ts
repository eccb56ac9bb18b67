import type { Pool } from 'pg';
import type { CodePurpose, OneTimeCode } from '../../gateway/ports.js';
import { fromMillis, fromMillisOrNull, toMillis, toMillisOrNull, type BigintText } from './values.js';

interface CodeRow {
  id: string;
  username: string;
  purpose: string;
  method: string;
  hash: string;
  destination: string;
  created_at: BigintText;
  expires_at: BigintText;
  attempts: number;
  max_attempts: number;
  consumed_at: BigintText | null;
}

function toCode(row: CodeRow): OneTimeCode {
  return {
    id: row.id,
    user: row.username,
    purpose: row.purpose as CodePurpose,
    method: row.method as OneTimeCode['method'],
    hash: row.hash,
    destination: row.destination,
    createdAt: fromMillis(row.created_at),
    expiresAt: fromMillis(row.expires_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    consumedAt: fromMillisOrNull(row.consumed_at),
  };
}

const columns = `id, username, purpose, method, hash, destination, created_at, expires_at,
  attempts, max_attempts, consumed_at`;

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
      [
        code.id,
        code.user,
        code.purpose,
        code.method,
        code.hash,
        code.destination,
        toMillis(code.createdAt),
        toMillis(code.expiresAt),
        code.attempts,
        code.maxAttempts,
        toMillisOrNull(code.consumedAt),
      ],
    );
  }

  async getLatest(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined> {
    const { rows } = await this.pool.query<CodeRow>(
      `SELECT ${columns} FROM one_time_codes
       WHERE username = $1 AND purpose = $2 AND consumed_at IS NULL
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [user, purpose],
    );
    const row = rows[0];
    return row && toCode(row);
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
