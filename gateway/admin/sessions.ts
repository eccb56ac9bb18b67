/**
 * Who is signed in, for the help desk (SessionListing): a user's live sessions, with where and
 * how each signed in, and signing one or all of them out. A session is named on the page by a
 * handle derived from its id, never the id itself: the id is what the session cookie carries.
 */
import { createHash } from 'node:crypto';
import type { SessionData } from 'express-session';
import type { Ports } from '../ports.js';
import type { SessionStage } from '../sessions.js';
import type { LoginKind } from '../../policies/types.js';

export interface SignedInSession {
  /** Stands for the session id on pages and forms. */
  handle: string;
  signedInAt: Date;
  sourceIp: string;
  userAgent: string | null;
  login: LoginKind;
  stage: SessionStage;
  /** The session of the request that asked. */
  current: boolean;
}

export function sessionHandle(sid: string): string {
  return createHash('sha256').update(`stepgate-session-handle:${sid}`).digest('base64url').slice(0, 22);
}

function destroy(store: Ports['sessions'], sid: string): Promise<void> {
  return new Promise((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve())));
}

type Auth = NonNullable<SessionData['auth']>;

export class SignedInSessions {
  constructor(private readonly sessions: Ports['sessions']) {}

  private async live(user: string): Promise<{ id: string; auth: Auth }[]> {
    const listed = await this.sessions.sessionsOf(user);
    return listed.flatMap(({ id, data }) => (data.auth ? [{ id, auth: data.auth }] : []));
  }

  /** Newest sign-in first; `currentSid` marks the asker's own session. */
  async of(user: string, currentSid?: string): Promise<SignedInSession[]> {
    const sessions = await this.live(user);
    return sessions
      .map(({ id, auth }) => ({
        handle: sessionHandle(id),
        signedInAt: new Date(auth.signedInAt),
        sourceIp: auth.sourceIp,
        userAgent: auth.userAgent,
        login: auth.login,
        stage: auth.stage,
        current: id === currentSid,
      }))
      .sort((a, b) => b.signedInAt.getTime() - a.signedInAt.getTime());
  }

  /** Signs out the session with this handle, or every session when there is none; returns how many. */
  async signOut(user: string, handle?: string): Promise<number> {
    const targets = (await this.live(user)).filter(
      ({ id }) => handle === undefined || sessionHandle(id) === handle,
    );
    for (const { id } of targets) await destroy(this.sessions, id);
    return targets.length;
  }
}
