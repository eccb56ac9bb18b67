import type Database from 'better-sqlite3';
import type { CodePurpose, OneTimeCode } from '../../gateway/ports.js';
import { toCode, toCodeRow, type CodeRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { sqliteIntegers } from './time.js';

const columns =
  'id, username, purpose, method, hash, destination, created_at, expires_at, attempts, max_attempts, consumed_at';

/** One-time codes sent by SMS or email. Every change to a code is one statement, so it holds across processes. */
export class SqliteCodes {
  private readonly upsert: Database.Statement<[CodeRow]>;
  private readonly latest: Database.Statement<[string, string], CodeRow>;
  private readonly addAttempt: Database.Statement<[string], { attempts: number }>;
  private readonly consume: Database.Statement<[number, string]>;
  private readonly deleteExpired: Database.Statement<[number]>;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO one_time_codes (${columns})
      VALUES (@id, @username, @purpose, @method, @hash, @destination, @created_at, @expires_at,
              @attempts, @max_attempts, @consumed_at)
      ON CONFLICT (id) DO UPDATE SET
        username = excluded.username, purpose = excluded.purpose, method = excluded.method,
        hash = excluded.hash, destination = excluded.destination, created_at = excluded.created_at,
        expires_at = excluded.expires_at, attempts = excluded.attempts,
        max_attempts = excluded.max_attempts, consumed_at = excluded.consumed_at`);
    this.latest = db.prepare(`
      SELECT ${columns} FROM one_time_codes
      WHERE username = ? AND purpose = ? AND consumed_at IS NULL
      ORDER BY created_at DESC, seq DESC LIMIT 1`);
    this.addAttempt = db.prepare(
      'UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = ? RETURNING attempts',
    );
    this.consume = db.prepare(
      'UPDATE one_time_codes SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL',
    );
    this.deleteExpired = db.prepare('DELETE FROM one_time_codes WHERE expires_at < ?');
  }

  save(code: OneTimeCode): void {
    this.upsert.run(toCodeRow(code));
  }

  getLatest(user: string, purpose: CodePurpose): OneTimeCode | undefined {
    const row = this.latest.get(user, purpose);
    return row && toCode(row, sqliteIntegers);
  }

  /** 0 when the code no longer exists (deleted by cleanup in the meantime). */
  attempt(id: string): number {
    return this.addAttempt.get(id)?.attempts ?? 0;
  }

  consumeOnce(id: string, at: Date): boolean {
    return this.consume.run(toMillis(at), id).changes > 0;
  }

  /** Deletes codes that expired before `time`: a code still valid at `time` is never removed. */
  deleteBefore(time: Date): number {
    return this.deleteExpired.run(toMillis(time)).changes;
  }
}
