import type Database from 'better-sqlite3';
import type { TemporaryCode } from '../../gateway/ports.js';
import { fromMillis, fromMillisOrNull, toMillis, toMillisOrNull } from './time.js';

interface TemporaryCodeRow {
  username: string;
  hash: string;
  issued_at: number;
  expires_at: number;
  issued_by: string;
  expired_at: number | null;
}

function toTemporaryCode(row: TemporaryCodeRow): TemporaryCode {
  return {
    user: row.username,
    hash: row.hash,
    issuedAt: fromMillis(row.issued_at),
    expiresAt: fromMillis(row.expires_at),
    issuedBy: row.issued_by,
    expiredAt: fromMillisOrNull(row.expired_at),
  };
}

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
    this.issueReplacing({
      username: code.user,
      hash: code.hash,
      issued_at: toMillis(code.issuedAt),
      expires_at: toMillis(code.expiresAt),
      issued_by: code.issuedBy,
      expired_at: toMillisOrNull(code.expiredAt),
    });
  }

  getActive(user: string, now: Date): TemporaryCode | undefined {
    const row = this.selectActive.get({ username: user, now: toMillis(now) });
    return row && toTemporaryCode(row);
  }

  expire(user: string, at: Date): boolean {
    return this.expireActive.run({ username: user, now: toMillis(at) }).changes > 0;
  }

  /** Counts every code issued at or after `since`, whether still active or not. */
  countIssuedSince(user: string, since: Date): number {
    return this.countSince.get(user, toMillis(since))?.issued ?? 0;
  }
}
