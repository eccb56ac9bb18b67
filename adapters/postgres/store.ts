import { Pool } from 'pg';
import { HistoryChain } from '../../gateway/history-chain.js';
import type {
  CodePurpose,
  CredentialRecord,
  HistoryEntry,
  HistoryQuery,
  HistoryVerification,
  MobileRecord,
  OneTimeCode,
  PermissionSetAssignment,
  RememberedNetwork,
  StoredHistoryEntry,
  Store,
  TemporaryCode,
} from '../../gateway/ports.js';
import { PostgresCodes } from './codes.js';
import { PostgresCredentials } from './credentials.js';
import { PostgresHistory } from './history.js';
import { migrate } from './migrations.js';
import { PostgresMobiles } from './mobiles.js';
import { PostgresNetworks } from './networks.js';
import { PostgresPermissionSets } from './permission-sets.js';
import { PostgresSettings } from './settings.js';
import { PostgresTemporaryCodes } from './temporary-codes.js';
import { reportUnavailability } from './unavailable.js';

export interface PostgresStoreOptions {
  /** Connections in the pool; default 10. */
  maxConnections?: number | undefined;
  /** How long a query may take before it fails (store.query_timeout); default 2000. */
  queryTimeoutMs?: number | undefined;
  /** How long to wait for a connection (a new one, or a free one of the pool); default queryTimeoutMs. */
  connectTimeoutMs?: number | undefined;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped). The
   * pool discards it and the next query opens a new one; without a listener Node would crash.
   */
  onIdleError?: ((error: Error) => void) | undefined;
  /** The key history entries are chained with (docs/history.md); without one they carry no hash. */
  historyChain?: HistoryChain | undefined;
}

/**
 * The Store port on PostgreSQL, for several instances sharing one database. The atomic operations
 * are single statements (conditional UPDATE, INSERT ... ON CONFLICT) or short transactions holding
 * a lock, so they hold between instances; reads see only committed data.
 */
export class PostgresStore implements Store {
  private readonly mobiles: PostgresMobiles;
  private readonly credentials: PostgresCredentials;
  private readonly networks: PostgresNetworks;
  private readonly codes: PostgresCodes;
  private readonly temporaryCodes: PostgresTemporaryCodes;
  private readonly permissionSets: PostgresPermissionSets;
  private readonly settings: PostgresSettings;
  private readonly history: PostgresHistory;
  private ending: Promise<void> | undefined;

  private constructor(
    private readonly pool: Pool,
    historyChain: HistoryChain,
  ) {
    this.mobiles = new PostgresMobiles(pool);
    this.credentials = new PostgresCredentials(pool);
    this.networks = new PostgresNetworks(pool);
    this.codes = new PostgresCodes(pool);
    this.temporaryCodes = new PostgresTemporaryCodes(pool);
    this.permissionSets = new PostgresPermissionSets(pool);
    this.settings = new PostgresSettings(pool);
    this.history = new PostgresHistory(pool, historyChain);
  }

  /**
   * Connects to `url` and migrates the database; throws when it cannot be reached or is too new.
   * Migrations run on a connection of their own without the query timeout (a migration may take
   * its time once); the pool that serves requests gives up on a query or a new connection after
   * `queryTimeoutMs`, and its failures to reach the database are StoreUnavailableErrors.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const migrator = new Pool({ connectionString: url, max: 1, application_name: 'stepgate migrations' });
    migrator.on('error', () => undefined);
    try {
      await migrate(migrator);
    } finally {
      await migrator.end().catch(() => undefined);
    }
    const timeout = options.queryTimeoutMs ?? 2_000;
    const pool = new Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? timeout,
      // Client-side: a server that hangs (paused, partitioned) still answers the caller in time,
      // and the connection the query was on is discarded. Server-side: the server stops working
      // on a query nobody waits for any more.
      query_timeout: timeout,
      statement_timeout: timeout,
      keepAlive: true,
      application_name: 'stepgate',
    });
    pool.on('error', options.onIdleError ?? (() => undefined));
    return reportUnavailability(new PostgresStore(pool, options.historyChain ?? HistoryChain.unkeyed()));
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // pg refuses to end a pool twice; closing is idempotent here, as for the other stores.
    this.ending ??= this.pool.end();
    await this.ending;
  }

  async getMobile(user: string): Promise<MobileRecord | undefined> {
    return this.mobiles.get(user);
  }

  async saveMobile(record: MobileRecord): Promise<void> {
    await this.mobiles.save(record);
  }

  async listMobiles(): Promise<MobileRecord[]> {
    return this.mobiles.list();
  }

  async listCredentials(user: string, type?: string): Promise<CredentialRecord[]> {
    return this.credentials.list(user, type);
  }

  async saveCredential(record: CredentialRecord): Promise<void> {
    await this.credentials.save(record);
  }

  async removeCredential(user: string, id: string): Promise<boolean> {
    return this.credentials.removeFor(user, id);
  }

  async useCredential(
    user: string,
    id: string,
    use: { at: Date; counter?: number | undefined },
  ): Promise<boolean> {
    return this.credentials.use(user, id, use);
  }

  async listAllCredentials(): Promise<CredentialRecord[]> {
    return this.credentials.listAll();
  }

  async findRememberedNetwork(user: string, network: string): Promise<RememberedNetwork | undefined> {
    return this.networks.find(user, network);
  }

  async rememberNetwork(user: string, network: string, method: string, at: Date): Promise<void> {
    await this.networks.remember(user, network, method, at);
  }

  async listRememberedNetworks(user: string): Promise<RememberedNetwork[]> {
    return this.networks.listFor(user);
  }

  async revokeRememberedNetworks(user: string, network?: string): Promise<number> {
    return this.networks.revoke(user, network);
  }

  async saveCode(code: OneTimeCode): Promise<void> {
    await this.codes.save(code);
  }

  async getLatestCode(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined> {
    return this.codes.getLatest(user, purpose);
  }

  async addCodeAttempt(id: string): Promise<number> {
    return this.codes.attempt(id);
  }

  async consumeCode(id: string, at: Date): Promise<boolean> {
    return this.codes.consumeOnce(id, at);
  }

  async deleteCodesBefore(time: Date): Promise<number> {
    return this.codes.deleteBefore(time);
  }

  async issueTemporaryCode(code: TemporaryCode): Promise<void> {
    await this.temporaryCodes.issue(code);
  }

  async getActiveTemporaryCode(user: string, now: Date): Promise<TemporaryCode | undefined> {
    return this.temporaryCodes.getActive(user, now);
  }

  async expireTemporaryCode(user: string, at: Date): Promise<boolean> {
    return this.temporaryCodes.expire(user, at);
  }

  async countTemporaryCodesIssuedSince(user: string, since: Date): Promise<number> {
    return this.temporaryCodes.countIssuedSince(user, since);
  }

  async listPermissionSetAssignments(user: string): Promise<PermissionSetAssignment[]> {
    return this.permissionSets.listFor(user);
  }

  async assignPermissionSet(assignment: PermissionSetAssignment): Promise<void> {
    await this.permissionSets.assign(assignment);
  }

  async unassignPermissionSet(user: string, permissionSet: string): Promise<boolean> {
    return this.permissionSets.unassign(user, permissionSet);
  }

  async getRegistrationDecline(user: string): Promise<Date | undefined> {
    return this.mobiles.getDecline(user);
  }

  async recordRegistrationDecline(user: string, at: Date): Promise<void> {
    await this.mobiles.recordDecline(user, at);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.settings.get(name);
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.settings.set(name, value);
  }

  async addSetting(name: string, value: string): Promise<string> {
    return this.settings.add(name, value);
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await this.history.append(entry);
  }

  async queryHistory(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    return this.history.query(query);
  }

  async pruneHistory(before: Date): Promise<number> {
    return this.history.pruneBefore(before);
  }

  verifyHistory(): Promise<HistoryVerification> {
    return this.history.verify();
  }
}
