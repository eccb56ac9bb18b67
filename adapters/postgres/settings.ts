import type { Pool } from 'pg';

/** Small named values the store keeps for itself, e.g. the check value of the encryption key. */
export class PostgresSettings {
  constructor(private readonly pool: Pool) {}

  async get(name: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [
      name,
    ]);
    return rows[0]?.value;
  }

  /**
   * `value` under `name` unless one is there (another instance's, too); the value stored now.
   * A row is never deleted, so the one that won the insert is still there to be read.
   */
  async add(name: string, value: string): Promise<string> {
    await this.pool.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [name, value],
    );
    const stored = await this.get(name);
    if (stored === undefined) throw new Error(`settings: ${name} is missing right after it was written`);
    return stored;
  }

  async set(name: string, value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO settings (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [name, value],
    );
  }
}
