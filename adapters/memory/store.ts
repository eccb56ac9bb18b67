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
import { MemoryHistory } from './history.js';

/** Copies in and out, so neither the caller nor the store can change the other's objects. */
const copy = <T>(value: T): T => structuredClone(value);

/** Orders strings by code unit, like SQLite's BINARY collation (localeCompare would differ). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const key = (...parts: string[]): string => JSON.stringify(parts);

/** Oldest first, then by id, as the SQL stores order credentials. */
const byCreation = (a: CredentialRecord, b: CredentialRecord): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || byCodeUnit(a.id, b.id);

interface StoredCode extends OneTimeCode {
  /** Insertion order: breaks ties between codes created in the same millisecond. */
  seq: number;
}

interface StoredTemporaryCode extends TemporaryCode {
  id: number;
}

function isActive(code: TemporaryCode, user: string, now: Date): boolean {
  return code.user === user && code.expiredAt === null && code.expiresAt.getTime() > now.getTime();
}

class MemoryState {
  readonly mobiles = new Map<string, MobileRecord>();
  /** By id. */
  readonly credentials = new Map<string, CredentialRecord>();
  readonly networks = new Map<string, RememberedNetwork>();
  codes: StoredCode[] = [];
  readonly temporaryCodes: StoredTemporaryCode[] = [];
  readonly assignments = new Map<string, PermissionSetAssignment>();
  readonly declines = new Map<string, Date>();
  readonly settings = new Map<string, string>();
  readonly history: MemoryHistory;
  sequence = 0;

  constructor(historyChain: HistoryChain) {
    this.history = new MemoryHistory(historyChain);
  }

  next(): number {
    this.sequence += 1;
    return this.sequence;
  }
}

/**
 * The Store port in process memory, for unit tests and demos. It passes the same contract suite as
 * the SQLite adapter, so it behaves the same down to ordering and paging.
 */
export class MemoryStore implements Store {
  private data: MemoryState | undefined;

  /** History entries are chained with `historyChain`'s key; without one they carry no hash. */
  constructor(options: { historyChain?: HistoryChain } = {}) {
    this.data = new MemoryState(options.historyChain ?? HistoryChain.unkeyed());
  }

  /** Like a closed database, a closed store refuses every call. */
  private get state(): MemoryState {
    if (this.data === undefined) throw new Error('store: closed');
    return this.data;
  }

  async ping(): Promise<void> {
    void this.state;
  }

  async close(): Promise<void> {
    this.data = undefined;
  }

  async getMobile(user: string): Promise<MobileRecord | undefined> {
    return copy(this.state.mobiles.get(user));
  }

  async saveMobile(record: MobileRecord): Promise<void> {
    this.state.mobiles.set(record.user, copy(record));
  }

  async listCredentials(user: string, type?: string): Promise<CredentialRecord[]> {
    return [...this.state.credentials.values()]
      .filter((record) => record.user === user && (type === undefined || record.type === type))
      .sort(byCreation)
      .map(copy);
  }

  async saveCredential(record: CredentialRecord): Promise<void> {
    this.state.credentials.set(record.id, copy(record));
  }

  async removeCredential(user: string, id: string): Promise<boolean> {
    if (this.state.credentials.get(id)?.user !== user) return false;
    return this.state.credentials.delete(id);
  }

  async useCredential(
    user: string,
    id: string,
    use: { at: Date; counter?: number | undefined },
  ): Promise<boolean> {
    const record = this.state.credentials.get(id);
    if (record?.user !== user) return false;
    if (use.counter !== undefined) {
      if (record.counter !== null && record.counter >= use.counter) return false;
      record.counter = use.counter;
    }
    record.lastUsedAt = copy(use.at);
    return true;
  }

  async findRememberedNetwork(user: string, network: string): Promise<RememberedNetwork | undefined> {
    return copy(this.state.networks.get(key(user, network)));
  }

  async rememberNetwork(user: string, network: string, method: string, at: Date): Promise<void> {
    const existing = this.state.networks.get(key(user, network));
    // The first use is when the network was activated; keep it across later confirmations.
    const firstUsedAt = existing?.firstUsedAt ?? copy(at);
    this.state.networks.set(key(user, network), { user, network, firstUsedAt, lastUsedAt: copy(at), method });
  }

  async listRememberedNetworks(user: string): Promise<RememberedNetwork[]> {
    return [...this.state.networks.values()]
      .filter((entry) => entry.user === user)
      .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || byCodeUnit(a.network, b.network))
      .map(copy);
  }

  async revokeRememberedNetworks(user: string, network?: string): Promise<number> {
    const { networks } = this.state;
    const doomed = [...networks.entries()].filter(
      ([, entry]) => entry.user === user && (network === undefined || entry.network === network),
    );
    doomed.forEach(([entryKey]) => networks.delete(entryKey));
    return doomed.length;
  }

  async saveCode(code: OneTimeCode): Promise<void> {
    const { codes } = this.state;
    const index = codes.findIndex((stored) => stored.id === code.id);
    if (index === -1) codes.push({ ...copy(code), seq: this.state.next() });
    else codes[index] = { ...copy(code), seq: codes[index]?.seq ?? this.state.next() };
  }

  async getLatestCode(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined> {
    const candidates = this.state.codes.filter(
      (code) => code.user === user && code.purpose === purpose && code.consumedAt === null,
    );
    candidates.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq);
    const latest = candidates[0];
    if (latest === undefined) return undefined;
    const { seq: _seq, ...code } = latest;
    return copy(code);
  }

  /** 0 when the code no longer exists (deleted by cleanup in the meantime). */
  async addCodeAttempt(id: string): Promise<number> {
    const code = this.state.codes.find((stored) => stored.id === id);
    if (code === undefined) return 0;
    code.attempts += 1;
    return code.attempts;
  }

  async consumeCode(id: string, at: Date): Promise<boolean> {
    const code = this.state.codes.find((stored) => stored.id === id);
    if (code === undefined || code.consumedAt !== null) return false;
    code.consumedAt = copy(at);
    return true;
  }

  /** Deletes codes that expired before `time`: a code still valid at `time` is never removed. */
  async deleteCodesBefore(time: Date): Promise<number> {
    const state = this.state;
    const kept = state.codes.filter((code) => code.expiresAt.getTime() >= time.getTime());
    const deleted = state.codes.length - kept.length;
    state.codes = kept;
    return deleted;
  }

  async issueTemporaryCode(code: TemporaryCode): Promise<void> {
    const state = this.state;
    for (const stored of state.temporaryCodes) {
      if (isActive(stored, code.user, code.issuedAt)) stored.expiredAt = copy(code.issuedAt);
    }
    state.temporaryCodes.push({ ...copy(code), id: state.next() });
  }

  async getActiveTemporaryCode(user: string, now: Date): Promise<TemporaryCode | undefined> {
    const active = this.state.temporaryCodes.filter((code) => isActive(code, user, now));
    active.sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime() || b.id - a.id);
    const newest = active[0];
    if (newest === undefined) return undefined;
    const { id: _id, ...code } = newest;
    return copy(code);
  }

  async expireTemporaryCode(user: string, at: Date): Promise<boolean> {
    const active = this.state.temporaryCodes.filter((code) => isActive(code, user, at));
    active.forEach((code) => (code.expiredAt = copy(at)));
    return active.length > 0;
  }

  /** Counts every code issued at or after `since`, whether still active or not. */
  async countTemporaryCodesIssuedSince(user: string, since: Date): Promise<number> {
    return this.state.temporaryCodes.filter(
      (code) => code.user === user && code.issuedAt.getTime() >= since.getTime(),
    ).length;
  }

  async listPermissionSetAssignments(user: string): Promise<PermissionSetAssignment[]> {
    return [...this.state.assignments.values()]
      .filter((assignment) => assignment.user === user)
      .sort((a, b) => byCodeUnit(a.permissionSet, b.permissionSet))
      .map(copy);
  }

  async assignPermissionSet(assignment: PermissionSetAssignment): Promise<void> {
    const assignmentKey = key(assignment.user, assignment.permissionSet);
    // Assigning again is not an error and keeps who assigned it first, and when.
    if (!this.state.assignments.has(assignmentKey))
      this.state.assignments.set(assignmentKey, copy(assignment));
  }

  async unassignPermissionSet(user: string, permissionSet: string): Promise<boolean> {
    return this.state.assignments.delete(key(user, permissionSet));
  }

  async getRegistrationDecline(user: string): Promise<Date | undefined> {
    return copy(this.state.declines.get(user));
  }

  async recordRegistrationDecline(user: string, at: Date): Promise<void> {
    this.state.declines.set(user, copy(at));
  }

  async listMobiles(): Promise<MobileRecord[]> {
    return [...this.state.mobiles.values()].sort((a, b) => byCodeUnit(a.user, b.user)).map(copy);
  }

  async listAllCredentials(): Promise<CredentialRecord[]> {
    return [...this.state.credentials.values()]
      .sort((a, b) => byCodeUnit(a.user, b.user) || byCreation(a, b))
      .map(copy);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.state.settings.get(name);
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.state.settings.set(name, value);
  }

  async addSetting(name: string, value: string): Promise<string> {
    const existing = this.state.settings.get(name);
    if (existing !== undefined) return existing;
    this.state.settings.set(name, value);
    return value;
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    this.state.history.append(entry);
  }

  async queryHistory(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    return this.state.history.query(query);
  }

  async pruneHistory(before: Date): Promise<number> {
    return this.state.history.pruneBefore(before);
  }

  verifyHistory(): Promise<HistoryVerification> {
    return this.state.history.verify();
  }
}
