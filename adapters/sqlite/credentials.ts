import type Database from 'better-sqlite3';
import type { CredentialRecord } from '../../gateway/ports.js';
import { CREDENTIAL_COLUMNS, toCredential, toCredentialRow, type CredentialRow } from '../sql/rows.js';
import { sqliteIntegers } from './time.js';

const ORDER = 'ORDER BY created_at ASC, id ASC';

/** Every method's credentials in one table (type, user, data, created, last used, counter). */
export class SqliteCredentials {
  private readonly selectAll: Database.Statement<[string], CredentialRow>;
  private readonly selectType: Database.Statement<[string, string], CredentialRow>;
  private readonly selectEveryone: Database.Statement<[], CredentialRow>;
  private readonly upsert: Database.Statement<[CredentialRow]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly touch: Database.Statement<{ username: string; id: string; at: number }>;
  private readonly count: Database.Statement<{ username: string; id: string; at: number; counter: number }>;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare(`SELECT * FROM credentials WHERE username = ? ${ORDER}`);
    this.selectType = db.prepare(`SELECT * FROM credentials WHERE username = ? AND type = ? ${ORDER}`);
    this.selectEveryone = db.prepare(
      `SELECT * FROM credentials ORDER BY username ASC, created_at ASC, id ASC`,
    );
    const columns = CREDENTIAL_COLUMNS.join(', ');
    const values = CREDENTIAL_COLUMNS.map((column) => `@${column}`).join(', ');
    const updates = CREDENTIAL_COLUMNS.filter((column) => column !== 'id')
      .map((column) => `${column} = excluded.${column}`)
      .join(', ');
    this.upsert = db.prepare(
      `INSERT INTO credentials (${columns}) VALUES (${values}) ON CONFLICT (id) DO UPDATE SET ${updates}`,
    );
    this.remove = db.prepare('DELETE FROM credentials WHERE username = ? AND id = ?');
    this.touch = db.prepare(
      'UPDATE credentials SET last_used_at = @at WHERE username = @username AND id = @id',
    );
    // One conditional UPDATE: of two requests racing with one code or assertion, only one moves the counter.
    this.count = db.prepare(`
      UPDATE credentials SET counter = @counter, last_used_at = @at
      WHERE username = @username AND id = @id AND (counter IS NULL OR counter < @counter)`);
  }

  list(user: string, type?: string): CredentialRecord[] {
    const rows = type === undefined ? this.selectAll.all(user) : this.selectType.all(user, type);
    return rows.map((row) => toCredential(row, sqliteIntegers));
  }

  listAll(): CredentialRecord[] {
    return this.selectEveryone.all().map((row) => toCredential(row, sqliteIntegers));
  }

  save(record: CredentialRecord): void {
    this.upsert.run(toCredentialRow(record));
  }

  removeFor(user: string, id: string): boolean {
    return this.remove.run(user, id).changes > 0;
  }

  use(user: string, id: string, use: { at: Date; counter?: number | undefined }): boolean {
    const at = use.at.getTime();
    const result =
      use.counter === undefined
        ? this.touch.run({ username: user, id, at })
        : this.count.run({ username: user, id, at, counter: use.counter });
    return result.changes > 0;
  }
}
