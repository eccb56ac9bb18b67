/**
 * The store: everything stepgate keeps about users beyond their sign-in source. Re-exported by
 * gateway/ports.ts.
 */
import type { LoginKind } from '../../policies/types.js';

export type MobileSource = 'self' | 'admin';

export interface MobileRecord {
  user: string;
  /** E.164; null when a help desk removed it (lost phone). */
  phone: string | null;
  verifiedAt: Date | null;
  source: MobileSource;
  /**
   * When a help desk removes a number that came from the users file or directory, that source
   * value is kept here: the removal holds until the source value changes.
   */
  removedSourcePhone: string | null;
  updatedAt: Date;
}

/**
 * What a person holds to answer a challenge with: an authenticator app's secret, a passkey's
 * public key. One generic record for every method; what `data` means is the method's own business
 * (gateway/factors/<method>/), and the store keeps it encrypted at rest where it can.
 */
export interface CredentialRecord {
  /** Made by stepgate when the credential is set up; unique across users. */
  id: string;
  user: string;
  /** The method it answers: `authenticator`, `webauthn`, ... */
  type: string;
  /** The name its owner gave it ("Office key"); null where a method keeps one per user. */
  name: string | null;
  /** The method's data, as text in the method's own format (a TOTP secret, JSON). */
  data: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** A counter that only goes up: the last TOTP step accepted, a WebAuthn signature counter. */
  counter: number | null;
}

export interface RememberedNetwork {
  user: string;
  /** Canonical network, e.g. '203.0.113.7/32' or '2001:db8:1:2::/64'. */
  network: string;
  firstUsedAt: Date;
  lastUsedAt: Date;
  /** The method that activated it. */
  method: string;
}

export type CodePurpose = 'confirm' | 'mobile';

export interface OneTimeCode {
  id: string;
  user: string;
  purpose: CodePurpose;
  method: 'sms' | 'email';
  /** Keyed hash of the code; the code itself is never stored. */
  hash: string;
  /** Where it was sent (E.164 or email address). */
  destination: string;
  createdAt: Date;
  expiresAt: Date;
  attempts: number;
  maxAttempts: number;
  consumedAt: Date | null;
}

export interface TemporaryCode {
  user: string;
  hash: string;
  issuedAt: Date;
  expiresAt: Date;
  issuedBy: string;
  /** Set when expired early by the help desk or the user. */
  expiredAt: Date | null;
}

export interface PermissionSetAssignment {
  user: string;
  permissionSet: string;
  assignedAt: Date;
  assignedBy: string;
}

export type HistoryStatus =
  | 'Initiated'
  | 'Succeeded'
  | 'FailedInvalidCode'
  | 'FailedTooManyAttempts'
  | 'RateLimited'
  | 'Locked'
  | 'Declined'
  | 'Skipped';

export type HistoryTrigger = 'NewNetwork' | 'MobileRegistration' | 'Always' | 'TemporaryCode';

export interface HistoryEntry {
  time: Date;
  user: string;
  /** sms | email | authenticator | temporary_code | none | admin:<action> */
  method: string;
  status: HistoryStatus;
  triggeredBy: HistoryTrigger | null;
  sourceIp: string | null;
  login: LoginKind | null;
  entryPoint: string | null;
  userAgent: string | null;
  /** Free text for admins: the rule that decided, or who did what for admin actions. */
  detail: string | null;
}

/**
 * Where an entry sits in the history's hash chain (docs/history.md): stepgate writes these, never
 * a caller, so an entry edited, removed or inserted behind its back shows.
 */
export interface HistoryLink {
  /** Its place in the chain, one more than the entry before it; null only in a row stepgate did not write. */
  seq: number | null;
  /** Which history key made `hash` (derived from the key, safe to show); null when written without one. */
  keyId: string | null;
  /** The hash of the entry before it; null at the start of the chain. */
  prevHash: string | null;
  /** HMAC-SHA256 of the entry's canonical form, in hex; null when written without a history key. */
  hash: string | null;
}

export interface StoredHistoryEntry extends HistoryEntry, HistoryLink {
  id: number;
}

/** A place in the chain: a sequence number and the hash of the entry there (null when it has none). */
export interface HistoryChainPoint {
  seq: number;
  hash: string | null;
}

/** The chain's own record, kept beside the entries. */
export interface HistoryChainState {
  /** Entries up to this sequence number were written before the chain began (an earlier release). */
  startSeq: number;
  /** Where the chain resumes: the last entry retention deleted (seq 0 while none was). */
  anchor: HistoryChainPoint;
  /** The newest entry written. */
  head: HistoryChainPoint;
}

export type HistoryBreakKind = 'changed' | 'removed' | 'inserted' | 'unchained' | 'unknown_key';

/** The first place the chain does not hold. */
export interface HistoryBreak {
  kind: HistoryBreakKind;
  /** The sequence number at fault, when there is one. */
  seq: number | null;
  /** The row at fault, when one is there (a removed entry has none). */
  id: number | null;
  /** One line for people, naming the entry. */
  message: string;
}

export interface HistoryVerification {
  /** Entries whose hash and link were checked. */
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Entries written before the chain began: kept, but nothing vouches for them. */
  beforeChain: number;
  anchor: HistoryChainPoint;
  /** Null when the chain holds. */
  broken: HistoryBreak | null;
}

export interface HistoryQuery {
  user?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Return entries older than this id (paging, newest first). */
  beforeId?: number | undefined;
  limit: number;
}

export interface Store {
  /** Throws when the store cannot answer (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;

  getMobile(user: string): Promise<MobileRecord | undefined>;
  saveMobile(record: MobileRecord): Promise<void>;

  /** The user's credentials, of one type or of all, oldest first. */
  listCredentials(user: string, type?: string): Promise<CredentialRecord[]>;
  /** Stores a new credential, or replaces the one with the same id. */
  saveCredential(record: CredentialRecord): Promise<void>;
  /** Removes the user's credential with this id; false when the user has none by that id. */
  removeCredential(user: string, id: string): Promise<boolean>;
  /**
   * Records a use of the credential at `at`. With a `counter`, only when it is above the stored
   * one, in one atomic step: false then means it was reached already (a code or an assertion
   * replayed, or raced by another request). False too when the credential is gone.
   */
  useCredential(user: string, id: string, use: { at: Date; counter?: number | undefined }): Promise<boolean>;

  findRememberedNetwork(user: string, network: string): Promise<RememberedNetwork | undefined>;
  /** Inserts, or updates last use (and method) of an existing one. */
  rememberNetwork(user: string, network: string, method: string, at: Date): Promise<void>;
  listRememberedNetworks(user: string): Promise<RememberedNetwork[]>;
  /** Revokes one network, or all when `network` is undefined; returns how many. */
  revokeRememberedNetworks(user: string, network?: string): Promise<number>;

  saveCode(code: OneTimeCode): Promise<void>;
  /** The newest code of that purpose that is not consumed (expiry is the caller's business). */
  getLatestCode(user: string, purpose: CodePurpose): Promise<OneTimeCode | undefined>;
  /** Adds one failed attempt and returns the new count. Atomic. */
  addCodeAttempt(id: string): Promise<number>;
  /** Marks the code used; false when it was already used. Atomic, so a code works once. */
  consumeCode(id: string, at: Date): Promise<boolean>;
  deleteCodesBefore(time: Date): Promise<number>;

  /** Stores a new temporary code, expiring any active one (one active per user). */
  issueTemporaryCode(code: TemporaryCode): Promise<void>;
  getActiveTemporaryCode(user: string, now: Date): Promise<TemporaryCode | undefined>;
  /** Expires the active one early; false when none was active. */
  expireTemporaryCode(user: string, at: Date): Promise<boolean>;
  countTemporaryCodesIssuedSince(user: string, since: Date): Promise<number>;

  listPermissionSetAssignments(user: string): Promise<PermissionSetAssignment[]>;
  assignPermissionSet(assignment: PermissionSetAssignment): Promise<void>;
  unassignPermissionSet(user: string, permissionSet: string): Promise<boolean>;

  getRegistrationDecline(user: string): Promise<Date | undefined>;
  recordRegistrationDecline(user: string, at: Date): Promise<void>;

  /** Every mobile and credential record, for re-encryption under a new key (`admin rotate-key`). */
  listMobiles(): Promise<MobileRecord[]>;
  /** Ordered by user, then as listCredentials orders them. */
  listAllCredentials(): Promise<CredentialRecord[]>;

  /** Small named values the store keeps for itself, e.g. the check value of the encryption key. */
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;
  /**
   * Stores `value` under `name` unless a value is there already, in one step that concurrent
   * callers (other instances) cannot interleave; returns the value stored now, the earlier one
   * when there was one.
   */
  addSetting(name: string, value: string): Promise<string>;

  /** Appends `entry` to the chain; appends from several instances sharing the store form one chain. */
  appendHistory(entry: HistoryEntry): Promise<void>;
  /** Newest first. */
  queryHistory(query: HistoryQuery): Promise<StoredHistoryEntry[]>;
  /**
   * Retention: deletes entries from the start of the chain only, up to the first one at or after
   * `before`, and records the last one deleted as where the chain resumes. Returns how many.
   */
  pruneHistory(before: Date): Promise<number>;
  /** Checks the chain; throws (history_key_missing) when the store was opened without a history key. */
  verifyHistory(): Promise<HistoryVerification>;
}
