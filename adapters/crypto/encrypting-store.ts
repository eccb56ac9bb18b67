/**
 * Encryption at rest (SPEC §2: authenticator secrets and phone numbers are encrypted with a key
 * from the environment) as a decorator around any Store adapter, so SQLite and PostgreSQL share
 * one implementation and one format. Values are sealed as described in key.ts; everything else,
 * and every lookup (by user), passes through unchanged.
 */
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
import { Keyring, openCredential, openMobile, sealCredential, sealMobile } from './fields.js';
import { verifyKeyCheck } from './key-check.js';
import { SealingKey } from './key.js';

export { EncryptionKeyMismatchError, KeyRotationError, StoredValueUnreadableError } from './errors.js';
export { KEY_CHECK_SETTING } from './key-check.js';
export { isEncryptionKeyText, parseEncryptionKey } from './key.js';
export { rotateKey } from './rotate-key.js';

/**
 * A Store whose phone numbers (`phone`, `removedSourcePhone`) and credentials' data (authenticator
 * secrets, passkeys' public keys) are encrypted before they reach the inner store and decrypted on
 * the way out. Values stored as plaintext before encryption was turned on are read as they are,
 * and rewritten sealed by the next save or by `admin rotate-key`. A value that cannot be decrypted throws
 * StoredValueUnreadableError; it is never returned as garbage.
 */
export class EncryptingStore implements Store {
  private readonly keyring: Keyring;

  private constructor(
    private readonly inner: Store,
    key: SealingKey,
  ) {
    this.keyring = new Keyring(key);
  }

  /**
   * Wraps `inner` after checking `key` (32 bytes) against the store's key check, writing the check
   * on first use; throws EncryptionKeyMismatchError when the store was encrypted with another key.
   * The inner store stays open either way: it belongs to the caller until this resolves.
   */
  static async open(inner: Store, key: Buffer): Promise<EncryptingStore> {
    const sealing = new SealingKey(key);
    await verifyKeyCheck(inner, sealing);
    return new EncryptingStore(inner, sealing);
  }

  /** The id of the key values are sealed with (derived from it; safe to log). */
  get keyId(): string {
    return this.keyring.current.id;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async getMobile(user: string): Promise<MobileRecord | undefined> {
    const record = await this.inner.getMobile(user);
    return record && openMobile(record, this.keyring);
  }

  async saveMobile(record: MobileRecord): Promise<void> {
    await this.inner.saveMobile(sealMobile(record, this.keyring.current));
  }

  async listMobiles(): Promise<MobileRecord[]> {
    return (await this.inner.listMobiles()).map((record) => openMobile(record, this.keyring));
  }

  async listCredentials(user: string, type?: string): Promise<CredentialRecord[]> {
    return (await this.inner.listCredentials(user, type)).map((record) =>
      openCredential(record, this.keyring),
    );
  }

  async saveCredential(record: CredentialRecord): Promise<void> {
    await this.inner.saveCredential(sealCredential(record, this.keyring.current));
  }

  async listAllCredentials(): Promise<CredentialRecord[]> {
    return (await this.inner.listAllCredentials()).map((record) => openCredential(record, this.keyring));
  }

  removeCredential(user: string, id: string): Promise<boolean> {
    return this.inner.removeCredential(user, id);
  }

  useCredential(user: string, id: string, use: { at: Date; counter?: number | undefined }): Promise<boolean> {
    return this.inner.useCredential(user, id, use);
  }

  // Everything below holds nothing the SPEC asks to encrypt (codes are stored as keyed hashes).

  findRememberedNetwork(user: string, network: string): Promise<RememberedNetwork | undefined> {
    return this.inner.findRememberedNetwork(user, network);
  }

  rememberNetwork(user: string, network: string, method: string, at: Date): Promise<void> {
    return this.inner.rememberNetwork(user, network, method, at);
  }

  listRememberedNetworks(user: string): Promise<RememberedNetwork[]> {
    return this.inner.listRememberedNetworks(user);
  }

  revokeRememberedNetworks(user: string, network?: string): Promise<number> {
    return this.inner.revokeRememberedNetworks(user, network);
  }

  saveCode(code: OneTimeCode): Promise<void> {
    return this.inner.saveCode(code);
  }

  getLatestCode(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined> {
    return this.inner.getLatestCode(user, purpose);
  }

  addCodeAttempt(id: string): Promise<number> {
    return this.inner.addCodeAttempt(id);
  }

  consumeCode(id: string, at: Date): Promise<boolean> {
    return this.inner.consumeCode(id, at);
  }

  deleteCodesBefore(time: Date): Promise<number> {
    return this.inner.deleteCodesBefore(time);
  }

  issueTemporaryCode(code: TemporaryCode): Promise<void> {
    return this.inner.issueTemporaryCode(code);
  }

  getActiveTemporaryCode(user: string, now: Date): Promise<TemporaryCode | undefined> {
    return this.inner.getActiveTemporaryCode(user, now);
  }

  expireTemporaryCode(user: string, at: Date): Promise<boolean> {
    return this.inner.expireTemporaryCode(user, at);
  }

  countTemporaryCodesIssuedSince(user: string, since: Date): Promise<number> {
    return this.inner.countTemporaryCodesIssuedSince(user, since);
  }

  listPermissionSetAssignments(user: string): Promise<PermissionSetAssignment[]> {
    return this.inner.listPermissionSetAssignments(user);
  }

  assignPermissionSet(assignment: PermissionSetAssignment): Promise<void> {
    return this.inner.assignPermissionSet(assignment);
  }

  unassignPermissionSet(user: string, permissionSet: string): Promise<boolean> {
    return this.inner.unassignPermissionSet(user, permissionSet);
  }

  getRegistrationDecline(user: string): Promise<Date | undefined> {
    return this.inner.getRegistrationDecline(user);
  }

  recordRegistrationDecline(user: string, at: Date): Promise<void> {
    return this.inner.recordRegistrationDecline(user, at);
  }

  getSetting(name: string): Promise<string | undefined> {
    return this.inner.getSetting(name);
  }

  setSetting(name: string, value: string): Promise<void> {
    return this.inner.setSetting(name, value);
  }

  addSetting(name: string, value: string): Promise<string> {
    return this.inner.addSetting(name, value);
  }

  appendHistory(entry: HistoryEntry): Promise<void> {
    return this.inner.appendHistory(entry);
  }

  queryHistory(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    return this.inner.queryHistory(query);
  }

  pruneHistory(before: Date): Promise<number> {
    return this.inner.pruneHistory(before);
  }

  verifyHistory(): Promise<HistoryVerification> {
    return this.inner.verifyHistory();
  }
}
