import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { SqliteCodes } from './codes.js';
import { SqliteCredentials } from './credentials.js';
import { SqliteHistory } from './history.js';
import { migrate } from './migrations.js';
import { SqliteMobiles } from './mobiles.js';
import { SqliteNetworks } from './networks.js';
import { SqlitePermissionSets } from './permission-sets.js';
import { SqliteSettings } from './settings.js';
import { SqliteTemporaryCodes } from './temporary-codes.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

function configure(db: Database.Database): void {
  // WAL lets readers carry on while one writer commits, so several stepgate processes can share the file.
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  // synchronous stays FULL: a consumed code or used TOTP step lost on power failure could be replayed.
}

/**
 * The Store port on a SQLite file. better-sqlite3 is synchronous, so each method runs to completion
 * before the next one starts in this process; the atomic operations are single statements or
 * IMMEDIATE transactions so they also hold between processes sharing the file.
 */
export class SqliteStore implements Store {
  private readonly mobiles: SqliteMobiles;
  private readonly credentials: SqliteCredentials;
  private readonly networks: SqliteNetworks;
  private readonly codes: SqliteCodes;
  private readonly temporaryCodes: SqliteTemporaryCodes;
  private readonly permissionSets: SqlitePermissionSets;
  private readonly history: SqliteHistory;
  private readonly settings: SqliteSettings;
  private readonly probe: Database.Statement<[]>;

  private constructor(
    private readonly db: Database.Database,
    historyChain: HistoryChain,
  ) {
    this.mobiles = new SqliteMobiles(db);
    this.credentials = new SqliteCredentials(db);
    this.networks = new SqliteNetworks(db);
    this.codes = new SqliteCodes(db);
    this.temporaryCodes = new SqliteTemporaryCodes(db);
    this.permissionSets = new SqlitePermissionSets(db);
    this.history = new SqliteHistory(db, historyChain);
    this.settings = new SqliteSettings(db);
    this.probe = db.prepare('SELECT 1');
  }

  /**
   * Opens (creating if needed) the database at `path`, or a private one for ':memory:', and migrates
   * it. History entries are chained with `historyChain`'s key; without one they carry no hash.
   */
  static open(path: string, options: { historyChain?: HistoryChain } = {}): SqliteStore {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      configure(db);
      migrate(db);
      return new SqliteStore(db, options.historyChain ?? HistoryChain.unkeyed());
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.probe.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async getMobile(user: string): Promise<MobileRecord | undefined> {
    return this.mobiles.get(user);
  }

  async saveMobile(record: MobileRecord): Promise<void> {
    this.mobiles.save(record);
  }

  async listCredentials(user: string, type?: string): Promise<CredentialRecord[]> {
    return this.credentials.list(user, type);
  }

  async saveCredential(record: CredentialRecord): Promise<void> {
    this.credentials.save(record);
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
    this.networks.remember(user, network, method, at);
  }

  async listRememberedNetworks(user: string): Promise<RememberedNetwork[]> {
    return this.networks.listFor(user);
  }

  async revokeRememberedNetworks(user: string, network?: string): Promise<number> {
    return this.networks.revoke(user, network);
  }

  async saveCode(code: OneTimeCode): Promise<void> {
    this.codes.save(code);
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
    this.temporaryCodes.issue(code);
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
    this.permissionSets.assign(assignment);
  }

  async unassignPermissionSet(user: string, permissionSet: string): Promise<boolean> {
    return this.permissionSets.unassign(user, permissionSet);
  }

  async getRegistrationDecline(user: string): Promise<Date | undefined> {
    return this.mobiles.getDecline(user);
  }

  async recordRegistrationDecline(user: string, at: Date): Promise<void> {
    this.mobiles.recordDecline(user, at);
  }

  async listMobiles(): Promise<MobileRecord[]> {
    return this.mobiles.listAll();
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.settings.get(name);
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.settings.set(name, value);
  }

  async addSetting(name: string, value: string): Promise<string> {
    return this.settings.add(name, value);
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    this.history.append(entry);
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
