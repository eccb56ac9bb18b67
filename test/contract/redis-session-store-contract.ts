/**
 * What the Redis session store (connect-redis, sealed or not) must do on every kind of Redis
 * stepgate connects to: one node, Sentinel, Cluster. `open` gives two connections to the same
 * Redis, as two instances of a fleet have.
 */
import type { SessionData, Store } from 'express-session';
import { describe, expect, it } from 'vitest';
import type { RedisCommands } from '../../adapters/redis/client.js';
import { SessionSealer, redisSessionStore } from '../../adapters/redis/session-store.js';
import { SealingKey } from '../../adapters/crypto/key.js';
import { silentLogger } from '../../bin/logger.js';

export interface SessionRedis {
  /** Two clients of the same Redis. */
  here(): RedisCommands;
  there(): RedisCommands;
  /** Keys are written under it; unique to the run. */
  prefix: string;
}

export function sessionData(user: string, maxAgeMs = 30 * 60_000): SessionData {
  return {
    cookie: { originalMaxAge: maxAgeMs, expires: new Date(Date.now() + maxAgeMs), httpOnly: true, path: '/' },
    returnTo: `/for/${user}`,
  } as SessionData;
}

export const get = (store: Store, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    store.get(sid, (err, data) => (err ? reject(err) : resolve(data))),
  );
export const set = (store: Store, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) => store.set(sid, data, (err) => (err ? reject(err) : resolve())));
export const destroy = (store: Store, sid: string) =>
  new Promise<void>((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve())));

export function describeRedisSessionStore(name: string, redis: SessionRedis): void {
  const { prefix } = redis;

  describe(`Redis session store: ${name}`, () => {
    it('stores, shares between clients, and forgets a session; it expires with its cookie', async () => {
      const here = redisSessionStore(redis.here(), { prefix });
      const there = redisSessionStore(redis.there(), { prefix });
      await set(here, 'sid-1', sessionData('alice'));
      expect((await get(there, 'sid-1'))?.returnTo).toBe('/for/alice');
      const ttlMs = await redis.here().pTTL(`${prefix}sid-1`);
      expect(ttlMs).toBeGreaterThan(29 * 60_000);
      expect(ttlMs).toBeLessThanOrEqual(30 * 60_000);
      await destroy(there, 'sid-1');
      expect(await get(here, 'sid-1')).toBeNull();
    });
  });

  describe(`Redis session store, sealed with store.encryption_key: ${name}`, () => {
    const sealer = (fill: number) => new SessionSealer(new SealingKey(Buffer.alloc(32, fill)), silentLogger);
    const secrets = {
      auth: { user: 'alice', sourceMobile: '+14155550123', pendingMobile: '+447400123456' },
      pendingEnrolment: { method: 'authenticator', state: 'JBSWY3DPEHPK3PXP' },
    };
    const withSecrets = (): SessionData =>
      ({ ...sessionData('alice'), ...secrets }) as unknown as SessionData;

    it('keeps nothing but the expiry readable in Redis, and reads back what it wrote', async () => {
      const store = redisSessionStore(redis.here(), { prefix, sealer: sealer(7) });
      await set(store, 'sid-s1', withSecrets());
      const raw = (await redis.here().get(`${prefix}sid-s1`)) ?? '';
      for (const secret of ['alice', '+14155550123', '+447400123456', 'JBSWY3DPEHPK3PXP']) {
        expect(raw).not.toContain(secret);
      }
      const stored = JSON.parse(raw) as { cookie: object };
      expect(Object.keys(stored).sort()).toEqual(['cookie', 'sealed']);
      expect(Object.keys(stored.cookie)).toEqual(['expires']);
      // connect-redis still reads the expiry from the cookie.
      expect(await redis.here().pTTL(`${prefix}sid-s1`)).toBeGreaterThan(29 * 60_000);
      const other = redisSessionStore(redis.there(), { prefix, sealer: sealer(7) });
      expect(await get(other, 'sid-s1')).toMatchObject({ ...secrets, returnTo: '/for/alice' });
    });

    it("treats a value that does not open as no session: another session's, another key's, a changed one", async () => {
      const store = redisSessionStore(redis.here(), { prefix, sealer: sealer(7) });
      await set(store, 'sid-s2', withSecrets());
      const raw = (await redis.here().get(`${prefix}sid-s2`)) ?? '';

      await redis.here().set(`${prefix}sid-s3`, raw, { PX: 60_000 });
      expect(await get(store, 'sid-s3')).toBeNull();
      expect(await get(redisSessionStore(redis.here(), { prefix, sealer: sealer(8) }), 'sid-s2')).toBeNull();
      const sealed = (JSON.parse(raw) as { sealed: string }).sealed;
      const changed = JSON.stringify({
        ...(JSON.parse(raw) as object),
        sealed: `${sealed.slice(0, -4)}AAAA`,
      });
      await redis.here().set(`${prefix}sid-s2`, changed, { PX: 60_000 });
      expect(await get(store, 'sid-s2')).toBeNull();
    });

    it('believes nothing outside the seal: not an unsealed session, not a changed cookie', async () => {
      // Written without the key, or by anyone who can write to Redis: not a session.
      await set(redisSessionStore(redis.here(), { prefix }), 'sid-s4', sessionData('bob'));
      const sealing = redisSessionStore(redis.here(), { prefix, sealer: sealer(7) });
      expect(await get(sealing, 'sid-s4')).toBeNull();

      // The readable expiry sets the key's lifetime only; the session's cookie comes from the seal.
      await set(sealing, 'sid-s5', sessionData('bob', 60_000));
      const raw = JSON.parse((await redis.here().get(`${prefix}sid-s5`)) ?? '{}') as { sealed: string };
      const forged = {
        cookie: { expires: '2099-01-01T00:00:00.000Z', originalMaxAge: 1e12, httpOnly: false },
        sealed: raw.sealed,
      };
      await redis.here().set(`${prefix}sid-s5`, JSON.stringify(forged), { PX: 60_000 });
      expect((await get(sealing, 'sid-s5'))?.cookie).toMatchObject({
        originalMaxAge: 60_000,
        httpOnly: true,
      });
    });
  });
}
