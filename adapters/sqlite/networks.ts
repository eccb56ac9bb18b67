import type Database from 'better-sqlite3';
import type { RememberedNetwork } from '../../gateway/ports.js';
import { toNetwork, type NetworkRow } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { sqliteIntegers } from './time.js';

/** Networks a user has confirmed from ("activations", SPEC §1.2). */
export class SqliteNetworks {
  private readonly select: Database.Statement<[string, string], NetworkRow>;
  private readonly upsert: Database.Statement<[NetworkRow]>;
  private readonly list: Database.Statement<[string], NetworkRow>;
  private readonly revokeOne: Database.Statement<[string, string]>;
  private readonly revokeAll: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT * FROM remembered_networks WHERE username = ? AND network = ?');
    // The first use is when the network was activated; keep it across later confirmations.
    this.upsert = db.prepare(`
      INSERT INTO remembered_networks (username, network, first_used_at, last_used_at, method)
      VALUES (@username, @network, @first_used_at, @last_used_at, @method)
      ON CONFLICT (username, network) DO UPDATE SET
        last_used_at = excluded.last_used_at, method = excluded.method`);
    this.list = db.prepare(
      'SELECT * FROM remembered_networks WHERE username = ? ORDER BY last_used_at DESC, network ASC',
    );
    this.revokeOne = db.prepare('DELETE FROM remembered_networks WHERE username = ? AND network = ?');
    this.revokeAll = db.prepare('DELETE FROM remembered_networks WHERE username = ?');
  }

  find(user: string, network: string): RememberedNetwork | undefined {
    const row = this.select.get(user, network);
    return row && toNetwork(row, sqliteIntegers);
  }

  remember(user: string, network: string, method: string, at: Date): void {
    const millis = toMillis(at);
    this.upsert.run({ username: user, network, first_used_at: millis, last_used_at: millis, method });
  }

  listFor(user: string): RememberedNetwork[] {
    return this.list.all(user).map((row) => toNetwork(row, sqliteIntegers));
  }

  revoke(user: string, network?: string): number {
    const result = network === undefined ? this.revokeAll.run(user) : this.revokeOne.run(user, network);
    return result.changes;
  }
}
