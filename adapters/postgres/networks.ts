import type { Pool } from 'pg';
import type { RememberedNetwork } from '../../gateway/ports.js';
import { fromMillis, toMillis, type BigintText } from './values.js';

interface NetworkRow {
  username: string;
  network: string;
  first_used_at: BigintText;
  last_used_at: BigintText;
  method: string;
}

function toNetwork(row: NetworkRow): RememberedNetwork {
  return {
    user: row.username,
    network: row.network,
    firstUsedAt: fromMillis(row.first_used_at),
    lastUsedAt: fromMillis(row.last_used_at),
    method: row.method,
  };
}

const columns = 'username, network, first_used_at, last_used_at, method';

/** Networks a user has confirmed from ("activations", SPEC §1.2). */
export class PostgresNetworks {
  constructor(private readonly pool: Pool) {}

  async find(user: string, network: string): Promise<RememberedNetwork | undefined> {
    const { rows } = await this.pool.query<NetworkRow>(
      `SELECT ${columns} FROM remembered_networks WHERE username = $1 AND network = $2`,
      [user, network],
    );
    const row = rows[0];
    return row && toNetwork(row);
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
    const { rows } = await this.pool.query<NetworkRow>(
      `SELECT ${columns} FROM remembered_networks WHERE username = $1
       ORDER BY last_used_at DESC, network COLLATE "C" ASC`,
      [user],
    );
    return rows.map(toNetwork);
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
