import type { Pool } from 'pg';
import type { CredentialRecord } from '../../gateway/ports.js';
import {
  CREDENTIAL_COLUMNS,
  inColumnOrder,
  toCredential,
  toCredentialRow,
  type CredentialRow,
} from '../sql/rows.js';
import { postgresIntegers, type BigintText } from './values.js';

const columns = CREDENTIAL_COLUMNS.join(', ');
const placeholders = CREDENTIAL_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
const updates = CREDENTIAL_COLUMNS.filter((column) => column !== 'id')
  .map((column) => `${column} = excluded.${column}`)
  .join(', ');
// "C": the byte order SQLite and the memory store sort in, whatever the database's collation.
const ORDER = 'ORDER BY created_at ASC, id COLLATE "C" ASC';

/** Every method's credentials in one table (type, user, data, created, last used, counter). */
export class PostgresCredentials {
  constructor(private readonly pool: Pool) {}

  async list(user: string, type?: string): Promise<CredentialRecord[]> {
    const { rows } =
      type === undefined
        ? await this.pool.query<CredentialRow<BigintText>>(
            `SELECT ${columns} FROM credentials WHERE username = $1 ${ORDER}`,
            [user],
          )
        : await this.pool.query<CredentialRow<BigintText>>(
            `SELECT ${columns} FROM credentials WHERE username = $1 AND type = $2 ${ORDER}`,
            [user, type],
          );
    return rows.map((row) => toCredential(row, postgresIntegers));
  }

  async listAll(): Promise<CredentialRecord[]> {
    const { rows } = await this.pool.query<CredentialRow<BigintText>>(
      `SELECT ${columns} FROM credentials ORDER BY username COLLATE "C" ASC, created_at ASC, id COLLATE "C" ASC`,
    );
    return rows.map((row) => toCredential(row, postgresIntegers));
  }

  async save(record: CredentialRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO credentials (${columns}) VALUES (${placeholders})
       ON CONFLICT (id) DO UPDATE SET ${updates}`,
      inColumnOrder(toCredentialRow(record), CREDENTIAL_COLUMNS),
    );
  }

  async removeFor(user: string, id: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM credentials WHERE username = $1 AND id = $2', [
      user,
      id,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async use(user: string, id: string, use: { at: Date; counter?: number | undefined }): Promise<boolean> {
    // One conditional UPDATE: the row lock makes a racing request re-check the condition after the
    // first commits, so two requests with one code or assertion cannot both move the counter.
    const result =
      use.counter === undefined
        ? await this.pool.query('UPDATE credentials SET last_used_at = $3 WHERE username = $1 AND id = $2', [
            user,
            id,
            use.at.getTime(),
          ])
        : await this.pool.query(
            `UPDATE credentials SET counter = $4, last_used_at = $3
             WHERE username = $1 AND id = $2 AND (counter IS NULL OR counter < $4)`,
            [user, id, use.at.getTime(), use.counter],
          );
    return (result.rowCount ?? 0) > 0;
  }
}
