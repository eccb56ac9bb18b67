import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LimitOutcome, Limiter } from '../../gateway/ports.js';

export type OpenLimiter = () => Promise<Limiter> | Limiter;
/** Runs after each case: close a connection, ... Keys are unique per case, so nothing to delete. */
export type CleanupLimiter = (limiter: Limiter) => Promise<void>;

const minute = 60_000;
const hour = 60 * minute;

// A fixed instant with a millisecond part, so an adapter that rounds to seconds fails the edges.
const base = Date.UTC(2030, 0, 15, 9, 30, 0, 123);

/** The fixed instant plus `minutes` and `ms`. */
const at = (minutes: number, ms = 0): Date => new Date(base + minutes * minute + ms);

/**
 * The behaviour every Limiter adapter must share, so the SPEC's limits (§1.5: 5 SMS per user per
 * rolling hour; §2: 10 failures within 1 h lock for 1 h) mean the same in memory and in Redis.
 *
 * The window is defined exactly: an event at t counts while now - t < windowMs, so it has left
 * at t + windowMs. Time comes only from the `now` argument.
 *
 * Every case uses keys under a fresh random prefix, so adapters that share one server (Redis)
 * can run cases side by side and leave old keys behind without changing any result.
 */
export function describeLimiterContract(name: string, open: OpenLimiter, cleanup?: CleanupLimiter): void {
  describe(`Limiter contract: ${name}`, () => {
    let current: Limiter | undefined;
    let prefix = '';

    beforeEach(async () => {
      current = await open();
      prefix = `contract:${randomUUID()}:`;
    });

    afterEach(async () => {
      const limiter = current;
      current = undefined;
      if (limiter !== undefined) await cleanup?.(limiter);
    });

    const limiter = (): Limiter => {
      if (current === undefined) throw new Error('no limiter is open');
      return current;
    };
    const key = (name: string): string => prefix + name;
    const take = (name: string, now: Date, limit = 5, windowMs = hour): Promise<LimitOutcome> =>
      limiter().take(key(name), limit, windowMs, now);
    const allowed = (count: number): LimitOutcome => ({ allowed: true, count, retryAfterMs: 0 });
    const refused = (count: number, retryAfterMs: number): LimitOutcome => ({
      allowed: false,
      count,
      retryAfterMs,
    });

    it('answers a ping', async () => {
      await expect(limiter().ping()).resolves.toBeUndefined();
    });

    describe('take', () => {
      it('allows 5 per rolling hour and refuses the 6th until the first leaves', async () => {
        for (const minutes of [0, 1, 2, 3, 4]) {
          expect(await take('sms', at(minutes))).toEqual(allowed(minutes + 1));
        }
        expect(await take('sms', at(10))).toEqual(refused(5, 50 * minute));
        expect(await take('sms', at(59, 59_999))).toEqual(refused(5, 1));
        expect(await take('sms', at(60))).toEqual(allowed(5));
      });

      it('counts an event at t until just before t + window, and not at t + window', async () => {
        expect(await take('edge', at(0), 1)).toEqual(allowed(1));
        expect(await take('edge', at(60, -1), 1)).toEqual(refused(1, 1));
        expect(await take('edge', at(60), 1)).toEqual(allowed(1));
        expect(await take('edge', at(60), 1)).toEqual(refused(1, hour));
      });

      it('rolls rather than resetting at fixed times', async () => {
        for (let i = 0; i < 3; i += 1) expect((await take('roll', at(0))).allowed).toBe(true);
        for (let i = 0; i < 2; i += 1) expect((await take('roll', at(50))).allowed).toBe(true);
        expect(await take('roll', at(55))).toEqual(refused(5, 5 * minute));
        // The three from t=0 have left and the two from t=50m still count: a counter reset at
        // fixed times would allow either more or fewer here, wherever the reset falls.
        expect(await take('roll', at(61))).toEqual(allowed(3));
        expect(await take('roll', at(61))).toEqual(allowed(4));
        expect(await take('roll', at(61))).toEqual(allowed(5));
        expect(await take('roll', at(61))).toEqual(refused(5, 49 * minute));
      });

      it('does not count refused calls, so hammering a limit does not extend the wait', async () => {
        expect(await take('hammer', at(0), 2, 10 * minute)).toEqual(allowed(1));
        expect(await take('hammer', at(1), 2, 10 * minute)).toEqual(allowed(2));
        for (let minutes = 2; minutes < 10; minutes += 1) {
          expect(await take('hammer', at(minutes), 2, 10 * minute)).toEqual(
            refused(2, (10 - minutes) * minute),
          );
        }
        expect(await take('hammer', at(10), 2, 10 * minute)).toEqual(allowed(2));
        expect(await take('hammer', at(10), 2, 10 * minute)).toEqual(refused(2, minute));
      });

      it('keeps keys independent', async () => {
        for (let i = 0; i < 5; i += 1) await take('alice', at(0));
        expect((await take('alice', at(1))).allowed).toBe(false);
        expect(await take('bob', at(1))).toEqual(allowed(1));
        // A prefix of another key is a different key.
        expect(await take('ali', at(1))).toEqual(allowed(1));
      });

      it('after the limit is lowered, refuses until enough events leave, and keeps the true count', async () => {
        for (const minutes of [0, 1, 2, 3, 4]) await take('reload', at(minutes));
        // Below 3 once the events at 0, 1 and 2 minutes have left: at 62 minutes.
        expect(await take('reload', at(5), 3)).toEqual(refused(5, 57 * minute));
        expect(await take('reload', at(6), 5)).toEqual(refused(5, 54 * minute));
        expect(await take('reload', at(62), 3)).toEqual(allowed(3));
      });

      it('allows exactly the limit among concurrent calls', async () => {
        const outcomes = await Promise.all(Array.from({ length: 20 }, () => take('burst', at(0))));
        const allowedCounts = outcomes.filter((outcome) => outcome.allowed).map((outcome) => outcome.count);
        expect(allowedCounts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
        expect(outcomes.filter((outcome) => !outcome.allowed)).toEqual(Array(15).fill(refused(5, hour)));
      });

      it('rejects a limit below 1 or not whole, and a window that is not positive', async () => {
        await expect(take('bad', at(0), 0)).rejects.toThrow(RangeError);
        await expect(take('bad', at(0), 2.5)).rejects.toThrow(RangeError);
        await expect(take('bad', at(0), 5, 0)).rejects.toThrow(RangeError);
        await expect(limiter().recordFailure(key('bad'), -1, at(0))).rejects.toThrow(RangeError);
        expect(await take('bad', at(0))).toEqual(allowed(1));
      });
    });

    describe('failures', () => {
      const fail = (name: string, now: Date, windowMs = hour): Promise<number> =>
        limiter().recordFailure(key(name), windowMs, now);

      it('counts failures in the window, including the one just recorded', async () => {
        expect(await fail('user', at(0))).toBe(1);
        expect(await fail('user', at(10))).toBe(2);
        expect(await fail('user', at(20))).toBe(3);
      });

      it('drops failures once they leave the window, exactly at t + window', async () => {
        await fail('user', at(0));
        await fail('user', at(10));
        await fail('user', at(20));
        expect(await fail('user', at(60, -1))).toBe(4);
        // 0 has left; 10, 20, 59:59.999 and this one remain.
        expect(await fail('user', at(60))).toBe(4);
        // 10 and 20 have left (20 exactly now); 59:59.999, 60 and this one remain.
        expect(await fail('user', at(80))).toBe(3);
        expect(await fail('user', at(200))).toBe(1);
      });

      it('starts again from one after the failures are cleared', async () => {
        for (let minutes = 0; minutes < 9; minutes += 1) await fail('user', at(minutes));
        await limiter().clearFailures(key('user'));
        expect(await fail('user', at(10))).toBe(1);
      });

      it('clears a key that has no failures without complaint', async () => {
        await expect(limiter().clearFailures(key('nobody'))).resolves.toBeUndefined();
      });

      it('keeps failure counts apart from each other and from take', async () => {
        await fail('alice', at(0));
        await fail('alice', at(1));
        expect(await fail('bob', at(2))).toBe(1);
        // The same key under take and under failures are two different things.
        for (let i = 0; i < 5; i += 1) await take('alice', at(3));
        expect(await fail('alice', at(4))).toBe(3);
        await limiter().clearFailures(key('alice'));
        expect((await take('alice', at(5))).allowed).toBe(false);
      });

      it('takes back one failure recorded at a given time, and nothing when there is none', async () => {
        await fail('user', at(0));
        await fail('user', at(1));
        await fail('user', at(1));
        await limiter().forgetFailure(key('user'), at(1));
        expect(await fail('user', at(2))).toBe(3);
        await limiter().forgetFailure(key('user'), at(5));
        await limiter().forgetFailure(key('nobody'), at(1));
        expect(await fail('user', at(3))).toBe(4);
        expect(await fail('nobody', at(3))).toBe(1);
      });

      it('takes back a failure without touching take or other keys', async () => {
        expect(await take('shared', at(0), 1)).toEqual(allowed(1));
        await fail('shared', at(0));
        await fail('other', at(0));
        await limiter().forgetFailure(key('shared'), at(0));
        expect(await take('shared', at(0), 1)).toEqual(refused(1, hour));
        expect(await fail('shared', at(1))).toBe(1);
        expect(await fail('other', at(1))).toBe(2);
      });

      it('counts every one of concurrent failures', async () => {
        const counts = await Promise.all(Array.from({ length: 20 }, () => fail('burst', at(0))));
        expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });
    });

    describe('locks', () => {
      const lockedUntil = (name: string, now: Date): Promise<Date | undefined> =>
        limiter().lockedUntil(key(name), now);

      it('is not locked before a lock', async () => {
        expect(await lockedUntil('user', at(0))).toBeUndefined();
      });

      it('is locked until the given time, and not from that time on', async () => {
        await limiter().lock(key('user'), at(60));
        expect(await lockedUntil('user', at(0))).toEqual(at(60));
        expect(await lockedUntil('user', at(60, -1))).toEqual(at(60));
        expect(await lockedUntil('user', at(60))).toBeUndefined();
        expect(await lockedUntil('user', at(61))).toBeUndefined();
      });

      it('replaces an earlier lock with the latest call, longer or shorter', async () => {
        await limiter().lock(key('user'), at(60));
        await limiter().lock(key('user'), at(120));
        expect(await lockedUntil('user', at(90))).toEqual(at(120));
        await limiter().lock(key('user'), at(100));
        expect(await lockedUntil('user', at(90))).toEqual(at(100));
        expect(await lockedUntil('user', at(100))).toBeUndefined();
      });

      it('locks one key alone, apart from its takes and failures', async () => {
        await limiter().lock(key('alice'), at(60));
        expect(await lockedUntil('bob', at(0))).toBeUndefined();
        expect(await take('alice', at(0))).toEqual(allowed(1));
        expect(await limiter().recordFailure(key('alice'), hour, at(0))).toBe(1);
        await limiter().clearFailures(key('alice'));
        expect(await lockedUntil('alice', at(0))).toEqual(at(60));
      });

      it('treats a lock that ended before it was set as no lock', async () => {
        await limiter().lock(key('user'), at(0));
        expect(await lockedUntil('user', at(1))).toBeUndefined();
      });
    });
  });
}
