import { describe, expect, it } from 'vitest';
import { at, code, temporaryCode, type CurrentStore } from '../fixtures.js';

/** One-time codes (SMS, email) and temporary codes issued by a help desk. */
export function describeCodes(store: CurrentStore): void {
  describe('one-time codes', () => {
    it('returns a saved code as it was saved, with Dates', async () => {
      const saved = code({ attempts: 2 });
      await store().saveCode(saved);
      const latest = await store().getLatestCode('user-1', 'confirm');
      expect(latest).toEqual(saved);
      expect(latest?.createdAt).toBeInstanceOf(Date);
      expect(latest?.expiresAt.getTime()).toBe(at(10).getTime());
    });

    it('returns the newest code of the purpose asked for, for that user only', async () => {
      await store().saveCode(code({ id: 'old', createdAt: at(0) }));
      await store().saveCode(code({ id: 'new', createdAt: at(2) }));
      await store().saveCode(code({ id: 'older-saved-last', createdAt: at(1) }));
      await store().saveCode(code({ id: 'mobile', purpose: 'mobile', createdAt: at(3) }));
      await store().saveCode(code({ id: 'other-user', user: 'user-2', createdAt: at(4) }));
      expect((await store().getLatestCode('user-1', 'confirm'))?.id).toBe('new');
      expect((await store().getLatestCode('user-1', 'mobile'))?.id).toBe('mobile');
      expect((await store().getLatestCode('user-3', 'confirm'))?.id).toBeUndefined();
    });

    it('breaks a tie between codes created in the same millisecond by saving order', async () => {
      await store().saveCode(code({ id: 'first', createdAt: at(0) }));
      await store().saveCode(code({ id: 'second', createdAt: at(0) }));
      expect((await store().getLatestCode('user-1', 'confirm'))?.id).toBe('second');
    });

    it('ignores consumed codes but not expired ones (expiry is for the caller to judge)', async () => {
      await store().saveCode(code({ id: 'expired', createdAt: at(-30), expiresAt: at(-20) }));
      await store().saveCode(code({ id: 'current', createdAt: at(0) }));
      expect(await store().consumeCode('current', at(1))).toBe(true);
      expect((await store().getLatestCode('user-1', 'confirm'))?.id).toBe('expired');
      expect(await store().consumeCode('expired', at(1))).toBe(true);
      expect(await store().getLatestCode('user-1', 'confirm')).toBeUndefined();
    });

    it('counts failed attempts and keeps the count', async () => {
      await store().saveCode(code({ id: 'c' }));
      expect(await store().addCodeAttempt('c')).toBe(1);
      expect(await store().addCodeAttempt('c')).toBe(2);
      expect(await store().addCodeAttempt('c')).toBe(3);
      expect((await store().getLatestCode('user-1', 'confirm'))?.attempts).toBe(3);
    });

    it('counts every concurrent failed attempt', async () => {
      await store().saveCode(code({ id: 'c' }));
      const counts = await Promise.all(Array.from({ length: 20 }, () => store().addCodeAttempt('c')));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await store().getLatestCode('user-1', 'confirm'))?.attempts).toBe(20);
    });

    it('counts 0 attempts for a code that no longer exists', async () => {
      expect(await store().addCodeAttempt('missing')).toBe(0);
    });

    it('consumes a code once', async () => {
      await store().saveCode(code({ id: 'c' }));
      expect(await store().consumeCode('c', at(1))).toBe(true);
      expect(await store().consumeCode('c', at(2))).toBe(false);
      expect(await store().consumeCode('missing', at(2))).toBe(false);
    });

    it('consumes a code once when it is submitted concurrently', async () => {
      await store().saveCode(code({ id: 'c' }));
      const results = await Promise.all(Array.from({ length: 10 }, () => store().consumeCode('c', at(1))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('deletes codes that expired before a time, and says how many', async () => {
      await store().saveCode(
        code({ id: 'gone-1', purpose: 'mobile', createdAt: at(-60), expiresAt: at(-50) }),
      );
      await store().saveCode(code({ id: 'gone-2', user: 'user-2', createdAt: at(-20), expiresAt: at(-10) }));
      await store().saveCode(code({ id: 'at-boundary', createdAt: at(-10), expiresAt: at(0) }));
      expect(await store().deleteCodesBefore(at(0))).toBe(2);
      expect((await store().getLatestCode('user-1', 'confirm'))?.id).toBe('at-boundary');
      expect(await store().getLatestCode('user-1', 'mobile')).toBeUndefined();
      expect(await store().getLatestCode('user-2', 'confirm')).toBeUndefined();
      expect(await store().consumeCode('gone-1', at(1))).toBe(false);
      expect(await store().deleteCodesBefore(at(0))).toBe(0);
    });
  });

  describe('temporary codes', () => {
    it('returns the active code as it was issued, with Dates', async () => {
      await store().issueTemporaryCode(temporaryCode());
      const active = await store().getActiveTemporaryCode('user-1', at(30));
      expect(active).toEqual(temporaryCode());
      expect(active?.issuedAt).toBeInstanceOf(Date);
      expect(await store().getActiveTemporaryCode('user-2', at(30))).toBeUndefined();
    });

    it('ignores a code whose time has passed (expiry is exclusive)', async () => {
      await store().issueTemporaryCode(temporaryCode({ expiresAt: at(60) }));
      expect(await store().getActiveTemporaryCode('user-1', at(59))).toBeDefined();
      expect(await store().getActiveTemporaryCode('user-1', at(60))).toBeUndefined();
    });

    it('replaces the active code when a new one is issued', async () => {
      await store().issueTemporaryCode(temporaryCode({ hash: 'first', expiresAt: at(600) }));
      await store().issueTemporaryCode(temporaryCode({ hash: 'second', issuedAt: at(5), expiresAt: at(65) }));
      expect((await store().getActiveTemporaryCode('user-1', at(10)))?.hash).toBe('second');
      // The first code, still within its hours, must not come back once the second runs out.
      expect(await store().getActiveTemporaryCode('user-1', at(70))).toBeUndefined();
      expect(await store().expireTemporaryCode('user-1', at(70))).toBe(false);
    });

    it('is expired early once, by the help desk or the user', async () => {
      await store().issueTemporaryCode(temporaryCode());
      expect(await store().expireTemporaryCode('user-1', at(10))).toBe(true);
      expect(await store().getActiveTemporaryCode('user-1', at(11))).toBeUndefined();
      expect(await store().expireTemporaryCode('user-1', at(12))).toBe(false);
    });

    it('has nothing to expire when no code is active', async () => {
      expect(await store().expireTemporaryCode('user-1', at(0))).toBe(false);
      await store().issueTemporaryCode(temporaryCode({ user: 'user-2' }));
      expect(await store().expireTemporaryCode('user-1', at(1))).toBe(false);
      expect(await store().getActiveTemporaryCode('user-2', at(1))).toBeDefined();
      await store().issueTemporaryCode(temporaryCode({ expiresAt: at(60) }));
      expect(await store().expireTemporaryCode('user-1', at(61))).toBe(false);
    });

    it('counts codes issued since a time, inclusive, whether replaced, expired or active', async () => {
      await store().issueTemporaryCode(temporaryCode({ issuedAt: at(0), expiresAt: at(60) }));
      await store().issueTemporaryCode(temporaryCode({ issuedAt: at(10), expiresAt: at(70) }));
      await store().expireTemporaryCode('user-1', at(11));
      await store().issueTemporaryCode(temporaryCode({ issuedAt: at(20), expiresAt: at(80) }));
      await store().issueTemporaryCode(temporaryCode({ user: 'user-2', issuedAt: at(20) }));
      expect(await store().countTemporaryCodesIssuedSince('user-1', at(0))).toBe(3);
      expect(await store().countTemporaryCodesIssuedSince('user-1', at(10))).toBe(2);
      expect(await store().countTemporaryCodesIssuedSince('user-1', at(21))).toBe(0);
      expect(await store().countTemporaryCodesIssuedSince('user-3', at(0))).toBe(0);
    });
  });
}
