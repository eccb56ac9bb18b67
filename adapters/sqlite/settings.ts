import type Database from 'better-sqlite3';

/** Small named values the store keeps for itself, such as the check value of the encryption key. */
export class SqliteSettings {
  private readonly select: Database.Statement<[string], { value: string }>;
  private readonly upsert: Database.Statement<[string, string]>;
  private readonly insertNew: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT value FROM settings WHERE name = ?');
    this.upsert = db.prepare(`
      INSERT INTO settings (name, value) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value`);
    this.insertNew = db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    );
  }

  get(name: string): string | undefined {
    return this.select.get(name)?.value;
  }

  set(name: string, value: string): void {
    this.upsert.run(name, value);
  }

  /** `value` under `name` unless one is there (another process's, too); the value stored now. */
  add(name: string, value: string): string {
    this.insertNew.run(name, value);
    const stored = this.get(name);
    if (stored === undefined) throw new Error(`settings: ${name} is missing right after it was written`);
    return stored;
  }
}
