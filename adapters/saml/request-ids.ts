/**
 * The ids of the AuthnRequests we sent, so a response answering one (InResponseTo) is accepted only
 * if we asked for it, and only once. node-saml's own cache grows with every visit to /saml/login
 * until a key is next touched; this one is bounded, so anonymous visits cannot fill the memory.
 * One instance only: with Redis sessions, compose passes the fleet's RedisRequestIdCache instead.
 */
import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';
import { LRUCache } from 'lru-cache';

export class BoundedRequestIdCache implements CacheProvider {
  private readonly items: LRUCache<string, CacheItem>;

  constructor(options: { max: number; ttlMs: number }) {
    this.items = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    if (this.items.has(key)) return null;
    const item = { value, createdAt: Date.now() };
    this.items.set(key, item);
    return item;
  }

  async getAsync(key: string): Promise<string | null> {
    return this.items.get(key)?.value ?? null;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    const item = this.items.get(key);
    this.items.delete(key);
    return item?.value ?? null;
  }
}
