/**
 * The ports of signing in: users who sign in directly (users.yaml), delegated authentication
 * (LDAP) and federation (SAML). Re-exported by gateway/ports.ts.
 */
import type { UserType } from '../../policies/types.js';

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
  /** The id of our AuthnRequest this response answers; absent for an IdP-initiated response. */
  inResponseTo?: string | undefined;
}

/**
 * Why a SAML response was refused, as far as the person may be told: the IdP said it did not sign
 * them in, the sign-in did not start here (IdP-initiated, not allowed), it answers a sign-in this
 * browser did not start (login CSRF), or anything else.
 */
export type SamlRefusal = 'rejected' | 'idp_refused' | 'unsolicited' | 'unbound';

/** Thrown for any response that does not validate: the ACS answers 401, never 500. The message is for the log. */
export class SamlRejectedError extends Error {
  override readonly name = 'SamlRejectedError';

  constructor(
    message: string,
    readonly refusal: SamlRefusal = 'rejected',
  ) {
    super(message);
  }
}

export interface SamlServiceProvider {
  /** Our SP metadata XML. */
  metadata(): string;
  /**
   * Starts SP-initiated login: the URL that takes the browser to the IdP, carrying `relayState`,
   * and the id of the AuthnRequest it carries, which the answer names in InResponseTo.
   */
  loginRequest(relayState: string): Promise<{ url: string; requestId: string }>;
  /** Validates a POSTed SAMLResponse (signature, audience, time); throws SamlRejectedError. */
  validate(body: Record<string, string>): Promise<SamlIdentity>;
}

/** Remembers single-use ids (SAML assertion ids) until they expire; shared across instances later. */
export interface ReplayCache {
  /** True when `id` is new (and now remembered until `until`); false when it was seen before. Atomic. */
  remember(id: string, until: Date): Promise<boolean>;
}
