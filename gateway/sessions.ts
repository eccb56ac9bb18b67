/**
 * What a session holds, and the stages it moves through:
 *
 *   sign in --> registering_mobile --> confirming --> confirmed
 *          \-------------------------/ \-------------> confirmed (trusted or remembered network)
 *           \--> skipped (policy)
 *
 * Only `confirmed` and `skipped` sessions are forwarded to the upstream.
 */
import type { Request } from 'express';
import { errors, type GatewayError } from './errors.js';
import type { HistoryTrigger, Logger } from './ports.js';
import type { Decision, LoginKind, UserType } from '../policies/types.js';
import type { GatewayMetrics } from './metrics.js';

export type SessionStage = 'registering_mobile' | 'confirming' | 'confirmed' | 'skipped';

export interface SignedInUser {
  user: string;
  email?: string | undefined;
  /** The mobile from the users file or directory (counts as verified unless a help desk removed it). */
  sourceMobile?: string | undefined;
  login: LoginKind;
  entryPoint: string;
  userType: UserType;
  /** Profile and permission sets from the sign-in source (before the policy resolves them). */
  profile?: string | undefined;
  permissionSets: string[];
  groups: string[];
  sourceIp: string;
  userAgent: string | null;
  signedInAt: number;
  decision: Decision;
  stage: SessionStage;
  /** Whether a challenge is still due after mobile registration. */
  challengeDue: boolean;
  /** Why a challenge happens, for the history. */
  trigger: HistoryTrigger;
  /** A number registered in this sign-in before it was confirmed cannot confirm it. */
  mobileProvedThisSignIn?: boolean;
  /**
   * That number: it is saved as the user's verified mobile only when this sign-in is confirmed,
   * so a password alone cannot add a phone that then confirms another sign-in.
   */
  pendingMobile?: string | undefined;
  /** How the user confirmed: a method id, 'remembered_network', 'trusted_network' or 'skipped'. */
  confirmation?: string | undefined;
  /**
   * The methods the client can present, when it cannot present them all: an IdP's authenticator
   * through the sidecar API that shows only a code field. Absent for stepgate's own pages.
   */
  presentableMethods?: readonly string[] | undefined;
  /** What a method's start keeps for checking the answer (a WebAuthn challenge); never shown. */
  pendingChallenge?: { method: string; state: string } | undefined;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SignedInUser;
    /** Where to go after sign-in and confirmation, already checked to be on our origin. */
    returnTo?: string;
    /** A credential being set up in the settings (an authenticator secret shown), not yet proved. */
    pendingEnrolment?: { method: string; state: string };
  }
}

export function signedIn(req: Request): SignedInUser | undefined {
  return req.session?.auth;
}

export function isForwardable(auth: SignedInUser | undefined): auth is SignedInUser {
  return auth !== undefined && (auth.stage === 'confirmed' || auth.stage === 'skipped');
}

/** A session ends `absoluteTimeout` after sign-in, however busy it is. */
export function pastAbsoluteTimeout(
  auth: SignedInUser | undefined,
  now: Date,
  absoluteTimeout: number,
): boolean {
  return auth !== undefined && now.getTime() - auth.signedInAt > absoluteTimeout;
}

/**
 * A session store that cannot answer (Redis down) fails closed: 503, never a generic 500 and
 * never a request let through without its session.
 */
export function sessionStoreUnavailable(
  { logger, metrics }: { logger: Logger; metrics: GatewayMetrics },
  error: unknown,
): GatewayError {
  metrics.sessionStoreFailure();
  logger.warn('session store unavailable', {
    error: error instanceof Error ? error.message : String(error),
    cause: error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined,
  });
  return errors.unavailable('sign_in');
}

/** Promisified session operations: express-session's API is callback-based. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}

/** A fresh session id that keeps what the session holds: after sign-in steps, an old id is worth nothing. */
export async function rotateSession(req: Request): Promise<void> {
  const { auth, returnTo } = req.session;
  await regenerateSession(req);
  if (auth) req.session.auth = auth;
  if (returnTo) req.session.returnTo = returnTo;
  await saveSession(req);
}

/**
 * `data`, frozen all the way down, for a session value shared by the requests that only read it
 * (SessionPeek in ports.ts): a request that tried to change it would throw, not change another's.
 */
export function frozenSession<T>(data: T): Readonly<T> {
  if (typeof data === 'object' && data !== null && !Object.isFrozen(data)) {
    for (const value of Object.values(data)) frozenSession(value);
    Object.freeze(data);
  }
  return data;
}
