/**
 * The interfaces the core needs from the outside world. Every outside system is one adapter
 * folder under adapters/; bin/stepgate.ts is the one place that picks them. The larger groups of
 * ports live in gateway/ports/ and are re-exported here, so the core imports every port from here.
 */
import type { SessionData, Store as SessionStore } from 'express-session';
import type { Directory, DirectUsers, ReplayCache, SamlServiceProvider } from './ports/sign-in.js';
import type { OidcRelyingParty } from './ports/oidc.js';
import type { EmailSender, PlaceLookup, SmsSender } from './ports/notifications.js';
import type { Store } from './ports/store.js';

export * from './ports/notifications.js';
export * from './ports/oidc.js';
export * from './ports/sign-in.js';
export * from './ports/store.js';

export interface Clock {
  now(): Date;
}

/**
 * Thrown by an adapter whose outside system (Redis, ...) cannot answer: the request fails closed
 * with a 503, never a 500 and never a pass-through. `dependency` names the system for the log.
 */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';
  readonly dependency: string;

  constructor(dependency: string, options?: { cause?: unknown }) {
    super(`${dependency} is unavailable`, options);
    this.dependency = dependency;
  }
}

/**
 * The store (PostgreSQL) refused, dropped or did not answer a query within store.query_timeout:
 * a 503 `store_unavailable`, never a 500 with a stack trace.
 */
export class StoreUnavailableError extends DependencyUnavailableError {
  override readonly name = 'StoreUnavailableError';
}

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
  /**
   * Takes back one failure recorded under `key` at exactly `at`, if one is still there: an
   * attempt counted as a failure before its outcome was known (so concurrent attempts cannot
   * all slip under a limit) that then turned out not to be one.
   */
  forgetFailure(key: string, at: Date): Promise<void>;
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

/**
 * The sessions signed in as one user, for the help desk: who is signed in where, and signing them
 * out. Session stores are read by session id; each adapter keeps a small index by user beside its
 * sessions (adapters/memory/session-store.ts, adapters/redis/session-index.ts).
 */
export interface SessionListing {
  /** The live sessions signed in as `user` (canonical name), with what each holds. */
  sessionsOf(user: string): Promise<{ id: string; data: SessionData }[]>;
}

/**
 * A session read for the proxied request's fast path (gateway/flows/proxy/fast-path.ts), which
 * only looks: the value may be shared with other requests and is frozen, so a store can keep the
 * parsed session (and, for Redis, a copy that Redis itself invalidates) instead of reading and
 * parsing it on every request. Calls back synchronously when it has the session at hand.
 */
export interface SessionPeek {
  peek(sid: string, callback: (error: unknown, data?: Readonly<SessionData> | null) => void): void;
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
  /** Present when logins.oidc is configured. */
  oidc?: OidcRelyingParty | undefined;
  replayCache: ReplayCache;
  sms: SmsSender;
  email: EmailSender;
  /** Present when a GeoIP database is configured: places in new-network notices. */
  places?: PlaceLookup | undefined;
  clock: Clock;
  /** express-session store that can also list a user's sessions; the memory adapter is bounded. */
  sessions: SessionStore & SessionListing & Partial<SessionPeek>;
  /**
   * Further readiness probes by name (e.g. `redis`), run by /readyz besides the store and the
   * limiter; each throws when its system cannot answer.
   */
  health?: Record<string, () => Promise<void>> | undefined;
}

export const systemClock: Clock = { now: () => new Date() };
