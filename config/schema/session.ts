/** stepgate.yaml `session:`. */
import { z } from 'zod';
import { duration } from '../duration.js';
import { DEFAULT_REDIS_URL, redisSchema } from './redis.js';

/** Where Redis is: one way of saying it, and a URL node-redis can use. */
function checkRedisPlace(
  session: { store: string; redis_url?: string | undefined; redis?: unknown },
  ctx: z.RefinementCtx<unknown>,
): void {
  if (session.redis_url !== undefined && session.redis !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['redis'],
      message: 'must not be set together with session.redis_url: move the URL to session.redis.url',
    });
  }
  const url = session.redis_url ?? DEFAULT_REDIS_URL;
  const redisScheme = URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol);
  if (session.store === 'redis' && session.redis === undefined && !redisScheme) {
    ctx.addIssue({
      code: 'custom',
      path: ['redis_url'],
      message: `must be a redis:// or rediss:// URL when session.store is redis but it is '${url}'`,
    });
  }
}

/** Cookies are Secure unless the gateway is served on localhost (SPEC §2: "Secure outside localhost"). */
export function secureCookies(publicUrl: string): boolean {
  const host = new URL(publicUrl).hostname;
  return !(host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]');
}

/** The cookie name prefixes browsers hold a cookie's attributes to (RFC 6265bis §4.1.3), in any case. */
export const COOKIE_PREFIX = /^__(host|secure)-/i;

/** '' or a domain of two labels or more whose last is no number: never an address, scheme, port or path. */
export const COOKIE_DOMAIN =
  /^$|^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/;

export const sessionSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).prefault('memory').describe('Where sessions are kept.'),
    redis_url: z
      .string()
      .optional()
      .describe(
        `Redis URL when store is redis (${DEFAULT_REDIS_URL} when neither this nor redis is set); several instances sharing it share sessions and send limits.`,
      ),
    redis: redisSchema.optional(),
    secret: z
      .string()
      .min(32, 'must be at least 32 characters (use a long random value)')
      .describe('Signs the session cookie. Keep it secret; changing it signs everyone out.'),
    cookie_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ and - only')
      .prefault('stepgate_session')
      .describe(
        "Name of the session cookie (HttpOnly, SameSite=Lax, Secure outside localhost). A '__Host-' name (https public_url, empty cookie_domain) keeps sibling hosts from setting or shadowing it; '__Secure-' needs https.",
      ),
    cookie_domain: z
      .string()
      .regex(
        COOKIE_DOMAIN,
        "must be a domain such as 'example.com' (no scheme, port, path or leading dot), or '' for a host-only cookie",
      )
      .prefault('')
      .describe(
        "The session and CSRF cookies' Domain: '' keeps them on public_url's host alone; a parent domain such as 'example.com' lets one sign-in serve applications on its subdomains (docs/forward-auth.md). public_url's host must be this domain or below it.",
      ),
    idle_timeout: duration()
      .prefault('30m')
      .describe(
        'A session unused this long ends. It is renewed at most once a minute (a tenth of this when shorter), so it may end up to that much sooner.',
      ),
    absolute_timeout: duration().prefault('12h').describe('A session ends this long after sign-in.'),
    max_sessions: z
      .number()
      .int()
      .positive()
      .prefault(100_000)
      .describe('Upper bound of the in-memory store; the least recently used session is dropped beyond it.'),
  })
  .superRefine(checkRedisPlace)
  .describe('Browser sessions.');
