import type { Pool } from 'pg';
import type { MobileRecord } from '../../gateway/ports.js';
import { inColumnOrder, MOBILE_COLUMNS, toMobile, toMobileRow, type MobileRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { fromMillis, postgresIntegers, type BigintText } from './values.js';

const columns = MOBILE_COLUMNS.join(', ');

/** Mobile numbers and declined registration prompts (SPEC §1.4, §1.8). */
export class PostgresMobiles {
  constructor(private readonly pool: Pool) {}

  async get(user: string): Promise<MobileRecord | undefined> {
    const { rows } = await this.pool.query<MobileRow<BigintText>>(
      `SELECT ${columns} FROM mobiles WHERE username = $1`,
      [user],
    );
    const row = rows[0];
    return row && toMobile(row, postgresIntegers);
  }

  async save(record: MobileRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO mobiles (${columns}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (username) DO UPDATE SET
         phone = excluded.phone, verified_at = excluded.verified_at, source = excluded.source,
         removed_source_phone = excluded.removed_source_phone, updated_at = excluded.updated_at`,
      inColumnOrder(toMobileRow(record), MOBILE_COLUMNS),
    );
  }

  async list(): Promise<MobileRecord[]> {
    const { rows } = await this.pool.query<MobileRow<BigintText>>(
      `SELECT ${columns} FROM mobiles ORDER BY username COLLATE "C"`,
    );
    return rows.map((row) => toMobile(row, postgresIntegers));
  }

  async getDecline(user: string): Promise<Date | undefined> {
    const { rows } = await this.pool.query<{ declined_at: BigintText }>(
      'SELECT declined_at FROM registration_declines WHERE username = $1',
      [user],
    );
    const row = rows[0];
    return row && fromMillis(row.declined_at);
  }

  /** The latest decline counts: re-prompting is measured from it. */
  async recordDecline(user: string, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO registration_declines (username, declined_at) VALUES ($1, $2)
       ON CONFLICT (username) DO UPDATE SET declined_at = excluded.declined_at`,
      [user, toMillis(at)],
    );
  }
}
