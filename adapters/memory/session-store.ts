/**
 * The default session store: in memory, and bounded, so a flood of new sessions evicts the
 * least recently used instead of exhausting memory. Entries expire with their cookie.
 */
import session from 'express-session';
import { LRUCache } from 'lru-cache';

type Callback = (err?: unknown) => void;

export class BoundedMemorySessionStore extends session.Store {
  private readonly sessions: LRUCache<string, string>;

  constructor(options: { max: number; defaultTtlMs: number }) {
    super();
    this.sessions = new LRUCache<string, string>({
      max: options.max,
      ttl: options.defaultTtlMs,
      ttlAutopurge: false,
    });
  }

  private ttlOf(data: session.SessionData): number | undefined {
    const expires = data.cookie?.expires;
    if (!expires) return undefined;
    return Math.max(1, new Date(expires).getTime() - Date.now());
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    const raw = this.sessions.get(sid);
    callback(null, raw === undefined ? null : (JSON.parse(raw) as session.SessionData));
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    // Stored as JSON, like an external store would, so nothing shares object identity with a request.
    this.sessions.set(sid, JSON.stringify(data), { ttl: this.ttlOf(data) });
    callback?.();
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    const raw = this.sessions.get(sid);
    if (raw !== undefined) this.sessions.set(sid, JSON.stringify(data), { ttl: this.ttlOf(data) });
    callback?.();
  }

  override destroy(sid: string, callback?: Callback): void {
    this.sessions.delete(sid);
    callback?.();
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    callback(null, this.sessions.size);
  }

  override clear(callback?: Callback): void {
    this.sessions.clear();
    callback?.();
  }
}
