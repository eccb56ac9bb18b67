/**
 * What a session holds, and the states it moves through:
 *
 *   (none) --sign in--> confirming --confirmation--> confirmed
 *                  \--> done (policy skipped)
 *
 * Only `confirmed` and `skipped` sessions are forwarded to the upstream.
 */
import type { Request } from 'express';
import type { Decision, LoginKind, UserType } from '../policies/types.js';

export type SessionStage = 'confirming' | 'confirmed' | 'skipped';

export interface SignedInUser {
  user: string;
  email?: string | undefined;
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
  /** How the user confirmed: a method name, 'remembered_network', 'trusted_network' or 'skipped'. */
  confirmation?: string | undefined;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SignedInUser;
    /** Where to go after sign-in and confirmation, already checked to be on our origin. */
    returnTo?: string;
  }
}

export function signedIn(req: Request): SignedInUser | undefined {
  return req.session?.auth;
}

export function isForwardable(auth: SignedInUser | undefined): auth is SignedInUser {
  return auth !== undefined && (auth.stage === 'confirmed' || auth.stage === 'skipped');
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
