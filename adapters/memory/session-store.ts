/**
 * The default session store: in memory, and bounded, so a flood of new sessions evicts the
 * least recently used instead of exhausting memory. Entries expire with their cookie.
 *
 * Beside the sessions, an index of the signed-in ones by user (SessionListing), for the help
 * desk's "signed in now": kept as sessions are written, dropped as they are destroyed, evicted or
 * expire, so it is never larger than the sessions themselves.
 */
import session from 'express-session';
import { LRUCache } from 'lru-cache';
import type { SessionListing, SessionPeek } from '../../gateway/ports.js';
import { frozenSession } from '../../gateway/sessions.js';

type Callback = (err?: unknown) => void;

/** The user a session is signed in as, if it is (gateway/sessions.ts keeps it in `auth.user`). */
function signedInUser(data: session.SessionData): string | undefined {
  const user = (data as { auth?: { user?: unknown } }).auth?.user;
  return typeof user === 'string' ? user : undefined;
}

/** How many parsed sessions peek() keeps: the ones in use, not every session in memory. */
const PARSED_SESSIONS = 4_096;

export class BoundedMemorySessionStore extends session.Store implements SessionListing, SessionPeek {
  private readonly sessions: LRUCache<string, string>;
  /** peek()'s parsed sessions, each beside the text it was parsed from, which says it is current. */
  private readonly parsed = new LRUCache<string, { raw: string; data: Readonly<session.SessionData> }>({
    max: PARSED_SESSIONS,
  });
  private readonly userOf = new Map<string, string>();
  private readonly idsOf = new Map<string, Set<string>>();

  constructor(options: { max: number; defaultTtlMs: number }) {
    super();
    this.sessions = new LRUCache<string, string>({
      max: options.max,
      ttl: options.defaultTtlMs,
      ttlAutopurge: false,
      // Evicted, expired or deleted: out of the index too. A 'set' replaces the value only.
      dispose: (_value, sid, reason) => {
        if (reason !== 'set') this.unindex(sid);
      },
    });
  }

  private ttlOf(data: session.SessionData): number | undefined {
    const expires = data.cookie?.expires;
    if (!expires) return undefined;
    return Math.max(1, new Date(expires).getTime() - Date.now());
  }

  private index(sid: string, user: string | undefined): void {
    if (this.userOf.get(sid) === user) return;
    this.unindex(sid);
    if (user === undefined) return;
    this.userOf.set(sid, user);
    let ids = this.idsOf.get(user);
    if (!ids) this.idsOf.set(user, (ids = new Set()));
    ids.add(sid);
  }

  private unindex(sid: string): void {
    const user = this.userOf.get(sid);
    if (user === undefined) return;
    this.userOf.delete(sid);
    const ids = this.idsOf.get(user);
    ids?.delete(sid);
    if (ids?.size === 0) this.idsOf.delete(user);
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    const raw = this.sessions.get(sid);
    callback(null, raw === undefined ? null : (JSON.parse(raw) as session.SessionData));
  }

  /** The session, parsed once per value written, shared and frozen (ports.ts SessionPeek). */
  peek(sid: string, callback: (err: unknown, session?: Readonly<session.SessionData> | null) => void): void {
    const raw = this.sessions.get(sid);
    if (raw === undefined) return callback(null, null);
    const known = this.parsed.get(sid);
    if (known?.raw === raw) return callback(null, known.data);
    const data = frozenSession(JSON.parse(raw) as session.SessionData);
    this.parsed.set(sid, { raw, data });
    callback(null, data);
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    // Stored as JSON, like an external store would, so nothing shares object identity with a request.
    this.sessions.set(sid, JSON.stringify(data), { ttl: this.ttlOf(data) });
    this.index(sid, signedInUser(data));
    callback?.();
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    const raw = this.sessions.get(sid);
    if (raw !== undefined) this.sessions.set(sid, JSON.stringify(data), { ttl: this.ttlOf(data) });
    callback?.();
  }

  override destroy(sid: string, callback?: Callback): void {
    this.sessions.delete(sid);
    this.parsed.delete(sid);
    this.unindex(sid);
    callback?.();
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    callback(null, this.sessions.size);
  }

  override clear(callback?: Callback): void {
    this.sessions.clear();
    this.parsed.clear();
    this.userOf.clear();
    this.idsOf.clear();
    callback?.();
  }

  sessionsOf(user: string): Promise<{ id: string; data: session.SessionData }[]> {
    const found: { id: string; data: session.SessionData }[] = [];
    for (const id of [...(this.idsOf.get(user) ?? [])]) {
      // peek: looking does not make a session recently used; an expired one is dropped here.
      const raw = this.sessions.peek(id);
      if (raw === undefined) this.unindex(id);
      else found.push({ id, data: JSON.parse(raw) as session.SessionData });
    }
    return Promise.resolve(found);
  }
}
