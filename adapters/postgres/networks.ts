import type { Pool } from 'pg';
import type { RememberedNetwork } from '../../gateway/ports.js';
import { NETWORK_COLUMNS, toNetwork, type NetworkRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { postgresIntegers, type BigintText } from './values.js';

const columns = NETWORK_COLUMNS.join(', ');

/** Networks a user has confirmed from ("activations", SPEC §1.2). */
export class PostgresNetworks {
  constructor(private readonly pool: Pool) {}

  async find(user: string, network: string): Promise<RememberedNetwork | undefined> {
    const { rows } = await this.pool.query<NetworkRow<BigintText>>(
      `SELECT ${columns} FROM remembered_networks WHERE username = $1 AND network = $2`,
      [user, network],
    );
    const row = rows[0];
    return row && toNetwork(row, postgresIntegers);
  }

  async remember(user: string, network: string, method: string, at: Date): Promise<void> {
    // The first use is when the network was activated; keep it across later confirmations.
    await this.pool.query(
      `INSERT INTO remembered_networks (${columns}) VALUES ($1, $2, $3, $3, $4)
       ON CONFLICT (username, network) DO UPDATE SET
         last_used_at = excluded.last_used_at, method = excluded.method`,
      [user, network, toMillis(at), method],
    );
  }

  async listFor(user: string): Promise<RememberedNetwork[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's default collation is.
    const { rows } = await this.pool.query<NetworkRow<BigintText>>(
      `SELECT ${columns} FROM remembered_networks WHERE username = $1
       ORDER BY last_used_at DESC, network COLLATE "C" ASC`,
      [user],
    );
    return rows.map((row) => toNetwork(row, postgresIntegers));
  }

  async revoke(user: string, network?: string): Promise<number> {
    const result =
      network === undefined
        ? await this.pool.query('DELETE FROM remembered_networks WHERE username = $1', [user])
        : await this.pool.query('DELETE FROM remembered_networks WHERE username = $1 AND network = $2', [
            user,
            network,
          ]);
    return result.rowCount ?? 0;
  }
}
