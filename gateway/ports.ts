/**
 * The interfaces the core needs from the outside world. Every outside system is one adapter
 * folder under adapters/; bin/stepgate.ts is the one place that picks them.
 */
import type { Store as SessionStore } from 'express-session';
import type { LoginKind, UserType } from '../policies/types.js';

export interface Clock {
  now(): Date;
}

/**
 * Thrown by an adapter whose outside system (Redis, ...) cannot answer: the request fails closed
 * with a 503, never a 500 and never a pass-through. `dependency` names the system for the log.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  readonly dependency: string;

  constructor(dependency: string, options?: { cause?: unknown }) {
    super(`${dependency} is unavailable`, options);
    this.dependency = dependency;
  }
}

// ---------------------------------------------------------------------------------------------
// Users who sign in directly (users.yaml)

export interface DirectUser {
  username: string;
  passwordHash: string;
  email?: string | undefined;
  /** A number put in the users file by an admin counts as verified (SPEC §1.4). */
  mobile?: string | undefined;
  userType: UserType;
  profile?: string | undefined;
  permissionSets: string[];
  groups: string[];
  active: boolean;
}

export interface DirectUsers {
  find(username: string): Promise<DirectUser | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Delegated authentication (LDAP) and federation (SAML)

/** A person as the directory describes them, after a successful bind with their password. */
export interface DirectoryUser {
  /** The username as the directory spells it. */
  username: string;
  email?: string | undefined;
  /** E.164; a number an admin put in the directory counts as verified (SPEC §1.4). */
  mobile?: string | undefined;
  userType: UserType;
  /** Group values (e.g. memberOf DNs), matched case-insensitively against the policy's `groups:`. */
  groups: string[];
  profile?: string | undefined;
  permissionSets: string[];
}

/** Thrown by a Directory that cannot be reached: the sign-in fails closed with a 503. */
export class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
}

export interface Directory {
  /** The user when the password binds; undefined for an unknown user or a wrong password. */
  authenticate(username: string, password: string): Promise<DirectoryUser | undefined>;
  /**
   * The user's directory entry found with the search account, without their password: how the
   * help desk and the CLI learn a directory user's email and mobile. Undefined when unknown.
   */
  lookup?(username: string): Promise<DirectoryUser | undefined>;
  /** Throws when the directory cannot be reached (used by /readyz). */
  ping(): Promise<void>;
}

/** What a validated SAML response says about the person. */
export interface SamlIdentity {
  nameId: string;
  /** The assertion's ID, for the replay cache. */
  assertionId: string;
  /** Until when the assertion could be presented (NotOnOrAfter); the replay cache keeps it until then. */
  validUntil: Date;
  email?: string | undefined;
  userType?: string | undefined;
  groups: string[];
}

/** Thrown for any response that does not validate: the ACS answers 401, never 500. */
export class SamlRejectedError extends Error {
  override readonly name = 'SamlRejectedError';
}

export interface SamlServiceProvider {
  /** Our SP metadata XML. */
  metadata(): string;
  /** The URL that starts SP-initiated login at the IdP, carrying `relayState`. */
  loginUrl(relayState: string): Promise<string>;
  /** Validates a POSTed SAMLResponse (signature, audience, time); throws SamlRejectedError. */
  validate(body: Record<string, string>): Promise<SamlIdentity>;
}

/** Remembers single-use ids (SAML assertion ids) until they expire; shared across instances later. */
export interface ReplayCache {
  /** True when `id` is new (and now remembered until `until`); false when it was seen before. Atomic. */
  remember(id: string, until: Date): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Notifications

export interface SmsMessage {
  to: string;
  body: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

export interface SmsSender {
  sendSms(message: SmsMessage): Promise<void>;
}

export interface EmailSender {
  sendEmail(message: EmailMessage): Promise<void>;
}

/** What a person reads when a provider keeps failing; the challenge stays open so they can retry. */
export const DELIVERY_FAILED_MESSAGE =
  'We could not send the code just now. Try again in a moment, or choose another way to confirm.';

/**
 * Thrown by an SmsSender or EmailSender that could not deliver, after its own retries.
 * `permanent`: the destination itself cannot receive (an invalid number, a rejected address), so
 * trying again will not help and the person must use another number or method; the answer is 400
 * with `code` and `message`, written for that person. Otherwise the provider is failing for now
 * (or is misconfigured): the answer is 503 `delivery_failed` and the detail stays in the log.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly permanent: boolean;
  /** Stable, e.g. `invalid_phone`, `email_rejected`, `delivery_failed`. */
  readonly code: string;

  constructor(options: { permanent: boolean; code?: string; message?: string; cause?: unknown }) {
    super(options.message ?? DELIVERY_FAILED_MESSAGE, { cause: options.cause });
    this.permanent = options.permanent;
    this.code = options.code ?? 'delivery_failed';
  }

  /** The provider could not take the message now; worth trying again later. */
  static transient(cause?: unknown): DeliveryError {
    return new DeliveryError({ permanent: false, cause });
  }
}

// ---------------------------------------------------------------------------------------------
// The store: everything stepgate keeps about users beyond their sign-in source.

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

export interface AuthenticatorRecord {
  user: string;
  /** Base32 TOTP secret (encrypted at rest by adapters that support it). */
  secret: string;
  createdAt: Date;
  /** Last accepted time step: a code is accepted once. */
  lastUsedStep: number | null;
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

export interface StoredHistoryEntry extends HistoryEntry {
  id: number;
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

  getAuthenticator(user: string): Promise<AuthenticatorRecord | undefined>;
  saveAuthenticator(record: AuthenticatorRecord): Promise<void>;
  removeAuthenticator(user: string): Promise<boolean>;
  /** Records `step` as used; false when it (or a later step) was already used. Atomic. */
  useAuthenticatorStep(user: string, step: number): Promise<boolean>;

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

  /** Every mobile and authenticator record, for re-encryption under a new key (`admin rotate-key`). */
  listMobiles(): Promise<MobileRecord[]>;
  listAuthenticators(): Promise<AuthenticatorRecord[]>;

  /** Small named values the store keeps for itself, e.g. the check value of the encryption key. */
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;

  appendHistory(entry: HistoryEntry): Promise<void>;
  /** Newest first. */
  queryHistory(query: HistoryQuery): Promise<StoredHistoryEntry[]>;
  pruneHistory(before: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Limits and lockouts: shared by every instance once they move to Redis, so the SPEC's limits
// hold across a fleet. Every operation is atomic.

export interface LimitOutcome {
  allowed: boolean;
  /** Events in the window after this call (including this one when allowed). */
  count: number;
  /** When refused: how long until the oldest event in the window leaves it. 0 when allowed. */
  retryAfterMs: number;
}

export interface Limiter {
  /** Counts one event under `key` if fewer than `limit` happened in the rolling `windowMs`; else refuses. */
  take(key: string, limit: number, windowMs: number, now: Date): Promise<LimitOutcome>;
  /** Records one failure under `key`; returns how many failures fall in the rolling `windowMs`. */
  recordFailure(key: string, windowMs: number, now: Date): Promise<number>;
  /** Forgets the failures under `key` (a success ends a run of consecutive failures). */
  clearFailures(key: string): Promise<void>;
  lock(key: string, until: Date): Promise<void>;
  lockedUntil(key: string, now: Date): Promise<Date | undefined>;
  /** Throws when the limiter cannot answer (used by /readyz). */
  ping(): Promise<void>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Ports {
  store: Store;
  limiter: Limiter;
  logger: Logger;
  directUsers: DirectUsers;
  /** Present when logins.delegated.ldap is configured. */
  directory?: Directory | undefined;
  /** Present when logins.saml is configured. */
  saml?: SamlServiceProvider | undefined;
  replayCache: ReplayCache;
  sms: SmsSender;
  email: EmailSender;
  clock: Clock;
  /** express-session store; the memory adapter is bounded. */
  sessions: SessionStore;
  /**
   * Further readiness probes by name (e.g. `redis`), run by /readyz besides the store and the
   * limiter; each throws when its system cannot answer.
   */
  health?: Record<string, () => Promise<void>> | undefined;
}

export const systemClock: Clock = { now: () => new Date() };
