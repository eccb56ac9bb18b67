import type { Pool } from 'pg';
import type { MobileRecord, MobileSource } from '../../gateway/ports.js';
import { fromMillis, fromMillisOrNull, toMillis, toMillisOrNull, type BigintText } from './values.js';

interface MobileRow {
  username: string;
  phone: string | null;
  verified_at: BigintText | null;
  source: string;
  removed_source_phone: string | null;
  updated_at: BigintText;
}

function toMobile(row: MobileRow): MobileRecord {
  return {
    user: row.username,
    phone: row.phone,
    verifiedAt: fromMillisOrNull(row.verified_at),
    source: row.source as MobileSource,
    removedSourcePhone: row.removed_source_phone,
    updatedAt: fromMillis(row.updated_at),
  };
}

const columns = 'username, phone, verified_at, source, removed_source_phone, updated_at';

/** Mobile numbers and declined registration prompts (SPEC §1.4, §1.8). */
export class PostgresMobiles {
  constructor(private readonly pool: Pool) {}

  async get(user: string): Promise<MobileRecord | undefined> {
    const { rows } = await this.pool.query<MobileRow>(`SELECT ${columns} FROM mobiles WHERE username = $1`, [
      user,
    ]);
    const row = rows[0];
    return row && toMobile(row);
  }

  async save(record: MobileRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO mobiles (${columns}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (username) DO UPDATE SET
         phone = excluded.phone, verified_at = excluded.verified_at, source = excluded.source,
         removed_source_phone = excluded.removed_source_phone, updated_at = excluded.updated_at`,
      [
        record.user,
        record.phone,
        toMillisOrNull(record.verifiedAt),
        record.source,
        record.removedSourcePhone,
        toMillis(record.updatedAt),
      ],
    );
  }

  async list(): Promise<MobileRecord[]> {
    const { rows } = await this.pool.query<MobileRow>(
      `SELECT ${columns} FROM mobiles ORDER BY username COLLATE "C"`,
    );
    return rows.map(toMobile);
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
