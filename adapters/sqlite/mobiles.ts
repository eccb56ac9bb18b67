import type Database from 'better-sqlite3';
import type { MobileRecord } from '../../gateway/ports.js';
import { toMobile, toMobileRow, type MobileRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { fromMillis, sqliteIntegers } from './time.js';

/** Mobile numbers and declined registration prompts (SPEC §1.4, §1.8). */
export class SqliteMobiles {
  private readonly select: Database.Statement<[string], MobileRow>;
  private readonly selectAll: Database.Statement<[], MobileRow>;
  private readonly upsert: Database.Statement<[MobileRow]>;
  private readonly selectDecline: Database.Statement<[string], { declined_at: number }>;
  private readonly upsertDecline: Database.Statement<[string, number]>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT * FROM mobiles WHERE username = ?');
    this.selectAll = db.prepare('SELECT * FROM mobiles ORDER BY username ASC');
    this.upsert = db.prepare(`
      INSERT INTO mobiles (username, phone, verified_at, source, removed_source_phone, updated_at)
      VALUES (@username, @phone, @verified_at, @source, @removed_source_phone, @updated_at)
      ON CONFLICT (username) DO UPDATE SET
        phone = excluded.phone, verified_at = excluded.verified_at, source = excluded.source,
        removed_source_phone = excluded.removed_source_phone, updated_at = excluded.updated_at`);
    this.selectDecline = db.prepare('SELECT declined_at FROM registration_declines WHERE username = ?');
    // The latest decline counts: re-prompting is measured from it.
    this.upsertDecline = db.prepare(`
      INSERT INTO registration_declines (username, declined_at) VALUES (?, ?)
      ON CONFLICT (username) DO UPDATE SET declined_at = excluded.declined_at`);
  }

  get(user: string): MobileRecord | undefined {
    const row = this.select.get(user);
    return row && toMobile(row, sqliteIntegers);
  }

  /** Every record, by username: for re-encryption under a new key. */
  listAll(): MobileRecord[] {
    return this.selectAll.all().map((row) => toMobile(row, sqliteIntegers));
  }

  save(record: MobileRecord): void {
    this.upsert.run(toMobileRow(record));
  }

  getDecline(user: string): Date | undefined {
    const row = this.selectDecline.get(user);
    return row && fromMillis(row.declined_at);
  }

  recordDecline(user: string, at: Date): void {
    this.upsertDecline.run(user, toMillis(at));
  }
}
