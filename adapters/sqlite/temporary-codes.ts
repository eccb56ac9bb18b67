import type Database from 'better-sqlite3';
import type { TemporaryCode } from '../../gateway/ports.js';
import { toTemporaryCode, toTemporaryCodeRow, type TemporaryCodeRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { sqliteIntegers } from './time.js';

// Active: not expired early and not past its expiry. Both the read and the early expiry use it.
const active = 'username = @username AND expired_at IS NULL AND expires_at > @now';

/** Temporary verification codes issued by a help desk (SPEC §1.9): at most one active per user. */
export class SqliteTemporaryCodes {
  private readonly insert: Database.Statement<[TemporaryCodeRow]>;
  private readonly selectActive: Database.Statement<[{ username: string; now: number }], TemporaryCodeRow>;
  private readonly expireActive: Database.Statement<[{ username: string; now: number }]>;
  private readonly countSince: Database.Statement<[string, number], { issued: number }>;
  private readonly issueReplacing: (row: TemporaryCodeRow) => void;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO temporary_codes (username, hash, issued_at, expires_at, issued_by, expired_at)
      VALUES (@username, @hash, @issued_at, @expires_at, @issued_by, @expired_at)`);
    this.selectActive = db.prepare(`
      SELECT username, hash, issued_at, expires_at, issued_by, expired_at FROM temporary_codes
      WHERE ${active} ORDER BY issued_at DESC, id DESC LIMIT 1`);
    this.expireActive = db.prepare(`UPDATE temporary_codes SET expired_at = @now WHERE ${active}`);
    this.countSince = db.prepare(
      'SELECT count(*) AS issued FROM temporary_codes WHERE username = ? AND issued_at >= ?',
    );
    const transaction = db.transaction((row: TemporaryCodeRow) => {
      this.expireActive.run({ username: row.username, now: row.issued_at });
      this.insert.run(row);
    });
    // IMMEDIATE: the write lock is held from the start, so two issuers cannot both leave a code active.
    this.issueReplacing = (row) => transaction.immediate(row);
  }

  issue(code: TemporaryCode): void {
    this.issueReplacing(toTemporaryCodeRow(code));
  }

  getActive(user: string, now: Date): TemporaryCode | undefined {
    const row = this.selectActive.get({ username: user, now: toMillis(now) });
    return row && toTemporaryCode(row, sqliteIntegers);
  }

  expire(user: string, at: Date): boolean {
    return this.expireActive.run({ username: user, now: toMillis(at) }).changes > 0;
  }

  /** Counts every code issued at or after `since`, whether still active or not. */
  countIssuedSince(user: string, since: Date): number {
    return this.countSince.get(user, toMillis(since))?.issued ?? 0;
  }
}
