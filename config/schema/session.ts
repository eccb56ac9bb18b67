/** stepgate.yaml `session:`. */
import { z } from 'zod';
import { duration } from '../duration.js';

export const sessionSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).prefault('memory').describe('Where sessions are kept.'),
    redis_url: z
      .string()
      .prefault('redis://127.0.0.1:6379')
      .describe(
        'Redis URL when store is redis; several instances sharing it share sessions and send limits.',
      ),
    secret: z
      .string()
      .min(32, 'must be at least 32 characters (use a long random value)')
      .describe('Signs the session cookie. Keep it secret; changing it signs everyone out.'),
    cookie_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ and - only')
      .prefault('stepgate_session')
      .describe('Name of the session cookie (HttpOnly, SameSite=Lax, Secure outside localhost).'),
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
  .describe('Browser sessions.');
