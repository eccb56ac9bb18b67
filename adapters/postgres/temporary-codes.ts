import type { Pool } from 'pg';
import type { TemporaryCode } from '../../gateway/ports.js';
import {
  inColumnOrder,
  TEMPORARY_CODE_COLUMNS,
  toTemporaryCode,
  toTemporaryCodeRow,
  type TemporaryCodeRow,
} from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { inTransaction, withClient } from './transaction.js';
import { postgresIntegers, toInteger, type BigintText } from './values.js';

const columns = TEMPORARY_CODE_COLUMNS.join(', ');

// Active: not expired early and not past its expiry ($1 user, $2 now). The read and the early expiry use it.
const active = 'username = $1 AND expired_at IS NULL AND expires_at > $2';
const expireActive = `UPDATE temporary_codes SET expired_at = $2 WHERE ${active}`;

/**
 * Temporary verification codes issued by a help desk (SPEC §1.9): at most one active per user.
 * There is no row to lock for a user who has no code yet, so issuing takes an advisory lock keyed
 * by the user instead; a hash collision between two users only makes one wait for the other.
 */
export class PostgresTemporaryCodes {
  constructor(private readonly pool: Pool) {}

  async issue(code: TemporaryCode): Promise<void> {
    const row = toTemporaryCodeRow(code);
    await withClient(this.pool, (client) =>
      inTransaction(client, async () => {
        await client.query(
          "SELECT pg_advisory_xact_lock(hashtextextended('stepgate temporary code ' || $1, 0))",
          [code.user],
        );
        // Under READ COMMITTED this statement sees a code another issuer committed while we waited.
        await client.query(expireActive, [row.username, row.issued_at]);
        await client.query(
          `INSERT INTO temporary_codes (${columns}) VALUES ($1, $2, $3, $4, $5, $6)`,
          inColumnOrder(row, TEMPORARY_CODE_COLUMNS),
        );
      }),
    );
  }

  async getActive(user: string, now: Date): Promise<TemporaryCode | undefined> {
    const { rows } = await this.pool.query<TemporaryCodeRow<BigintText>>(
      `SELECT ${columns} FROM temporary_codes
       WHERE ${active} ORDER BY issued_at DESC, id DESC LIMIT 1`,
      [user, toMillis(now)],
    );
    const row = rows[0];
    return row && toTemporaryCode(row, postgresIntegers);
  }

  async expire(user: string, at: Date): Promise<boolean> {
    const result = await this.pool.query(expireActive, [user, toMillis(at)]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Counts every code issued at or after `since`, whether still active or not. */
  async countIssuedSince(user: string, since: Date): Promise<number> {
    const { rows } = await this.pool.query<{ issued: BigintText }>(
      'SELECT count(*) AS issued FROM temporary_codes WHERE username = $1 AND issued_at >= $2',
      [user, toMillis(since)],
    );
    return toInteger(rows[0]?.issued ?? 0);
  }
}
