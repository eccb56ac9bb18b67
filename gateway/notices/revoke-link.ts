/**
 * The one-click link in a new-network notice: it names one user and one network, is signed with
 * a key derived from the session secret, expires, and works once. Opening it only shows a page;
 * the revocation is a POST from that page (with its CSRF token), so a mail scanner that follows
 * every link revokes nothing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, ReplayCache } from '../ports.js';

/** How long a link works: long enough to read the mail after a weekend. */
export const REVOKE_LINK_LIFETIME_MS = 7 * 24 * 3_600_000;

export interface RevokeClaim {
  user: string;
  network: string;
  expiresAt: Date;
  /** Unique per link: what the replay cache remembers once it is used. */
  id: string;
}

export type RevokeCheck =
  { ok: true; claim: RevokeClaim } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

export class RevokeLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly deps: { clock: Clock; replayCache: ReplayCache },
  ) {
    // Its own key, so no other signature made with the session secret can pass for a link.
    this.key = createHmac('sha256', secret).update('stepgate:network-revoke-link').digest();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  issue(user: string, network: string): string {
    const expires = this.deps.clock.now().getTime() + REVOKE_LINK_LIFETIME_MS;
    const payload = Buffer.from(
      JSON.stringify({ u: user, n: network, e: expires, j: randomBytes(16).toString('base64url') }),
    ).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** Whether `token` is a link this gateway made, still in date and not yet used. Uses nothing. */
  read(token: unknown): RevokeCheck {
    if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'invalid' };
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
    const wanted = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (wanted.length !== given.length || !timingSafeEqual(wanted, given))
      return { ok: false, reason: 'invalid' };
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const { u, n, e, j } = (fields ?? {}) as Record<string, unknown>;
    if (typeof u !== 'string' || typeof n !== 'string' || typeof e !== 'number' || typeof j !== 'string') {
      return { ok: false, reason: 'invalid' };
    }
    if (e <= this.deps.clock.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claim: { user: u, network: n, expiresAt: new Date(e), id: j } };
  }

  /** Reads `token` and marks it used, atomically across a fleet sharing the replay cache. */
  async use(token: unknown): Promise<RevokeCheck> {
    const checked = this.read(token);
    if (!checked.ok) return checked;
    const fresh = await this.deps.replayCache.remember(
      `network-revoke:${checked.claim.id}`,
      checked.claim.expiresAt,
    );
    return fresh ? checked : { ok: false, reason: 'used' };
  }
}
