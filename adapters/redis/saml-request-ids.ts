/**
 * The ids of the SAML AuthnRequests a fleet sent, in Redis: a sign-in started on one instance
 * (GET /saml/login) may come back to another (POST /saml/acs), and the response answering it
 * (InResponseTo) must be accepted there. passport-saml's CacheProvider, over one Redis key per
 * request that expires with the request's lifetime, taken out (GETDEL) once answered. node-saml
 * looks an id up before it takes it out, so two copies of one answer posted at once could both
 * pass this check: the assertion replay cache (RedisReplayCache) is what refuses the second.
 */
import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';
import { KEY_PREFIX, guarded, type RedisCommands } from './client.js';

export class RedisRequestIdCache implements CacheProvider {
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(
    private readonly client: RedisCommands,
    options: { ttlMs: number; prefix?: string },
  ) {
    this.ttlMs = options.ttlMs;
    this.prefix = `${options.prefix ?? KEY_PREFIX}saml:request:`;
  }

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const item = { value, createdAt: Date.now() };
    const reply = await guarded(this.client, () =>
      this.client.set(this.prefix + key, value, {
        condition: 'NX',
        expiration: { type: 'PX', value: this.ttlMs },
      }),
    );
    return reply === null ? null : item;
  }

  async getAsync(key: string): Promise<string | null> {
    return guarded(this.client, () => this.client.get(this.prefix + key));
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    return guarded(this.client, () => this.client.getDel(this.prefix + key));
  }
}
