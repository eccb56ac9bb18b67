import { describe, expect, it } from 'vitest';
import type { AuthenticatorRecord } from '../../../gateway/ports.js';
import { at, mobile, type CurrentStore } from '../fixtures.js';

function authenticator(overrides: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  return { user: 'user-1', secret: 'JBSWY3DPEHPK3PXP', createdAt: at(0), lastUsedStep: null, ...overrides };
}

/** Mobile numbers, declined registration prompts and authenticator apps. */
export function describeEnrolments(store: CurrentStore): void {
  describe('mobiles', () => {
    it('has no mobile for an unknown user', async () => {
      expect(await store().getMobile('user-1')).toBeUndefined();
    });

    it('returns a saved mobile as it was saved, with Dates', async () => {
      await store().saveMobile(mobile());
      const saved = await store().getMobile('user-1');
      expect(saved).toEqual(mobile());
      expect(saved?.verifiedAt).toBeInstanceOf(Date);
      expect(saved?.updatedAt.getTime()).toBe(at(1).getTime());
    });

    it('replaces the whole record on a second save', async () => {
      await store().saveMobile(mobile());
      const changed = mobile({ phone: '+447700900123', verifiedAt: null, source: 'admin', updatedAt: at(5) });
      await store().saveMobile(changed);
      expect(await store().getMobile('user-1')).toEqual(changed);
    });

    it('keeps a help-desk removal with the source number it overrides', async () => {
      await store().saveMobile(mobile({ source: 'admin' }));
      const removed = mobile({
        phone: null,
        verifiedAt: null,
        source: 'admin',
        removedSourcePhone: '+14155550100',
        updatedAt: at(30),
      });
      await store().saveMobile(removed);
      expect(await store().getMobile('user-1')).toEqual(removed);
    });

    it('keeps users apart', async () => {
      await store().saveMobile(mobile());
      expect(await store().getMobile('user-2')).toBeUndefined();
    });

    it('hands out copies: changing a saved or returned record does not change the store', async () => {
      const record = mobile();
      await store().saveMobile(record);
      record.phone = '+10000000000';
      const returned = await store().getMobile('user-1');
      returned?.updatedAt.setTime(0);
      expect(await store().getMobile('user-1')).toEqual(mobile());
    });
  });

  describe('registration declines', () => {
    it('has none until the user declines, then returns when', async () => {
      expect(await store().getRegistrationDecline('user-1')).toBeUndefined();
      await store().recordRegistrationDecline('user-1', at(3));
      const declined = await store().getRegistrationDecline('user-1');
      expect(declined).toBeInstanceOf(Date);
      expect(declined?.getTime()).toBe(at(3).getTime());
      expect(await store().getRegistrationDecline('user-2')).toBeUndefined();
    });

    it('keeps the latest decline', async () => {
      await store().recordRegistrationDecline('user-1', at(3));
      await store().recordRegistrationDecline('user-1', at(90));
      expect(await store().getRegistrationDecline('user-1')).toEqual(at(90));
    });
  });

  describe('authenticators', () => {
    it('returns a saved authenticator as it was saved', async () => {
      expect(await store().getAuthenticator('user-1')).toBeUndefined();
      await store().saveAuthenticator(authenticator({ lastUsedStep: 42 }));
      const saved = await store().getAuthenticator('user-1');
      expect(saved).toEqual(authenticator({ lastUsedStep: 42 }));
      expect(saved?.createdAt).toBeInstanceOf(Date);
    });

    it('replaces the enrolment on a second save, used step included', async () => {
      await store().saveAuthenticator(authenticator({ lastUsedStep: 42 }));
      await store().saveAuthenticator(authenticator({ secret: 'NEWSECRETNEWSECR', createdAt: at(9) }));
      expect(await store().getAuthenticator('user-1')).toEqual(
        authenticator({ secret: 'NEWSECRETNEWSECR', createdAt: at(9) }),
      );
    });

    it('removes an enrolment once', async () => {
      await store().saveAuthenticator(authenticator());
      expect(await store().removeAuthenticator('user-1')).toBe(true);
      expect(await store().getAuthenticator('user-1')).toBeUndefined();
      expect(await store().removeAuthenticator('user-1')).toBe(false);
    });

    it('accepts a time step once, and only steps after the last one used', async () => {
      await store().saveAuthenticator(authenticator());
      expect(await store().useAuthenticatorStep('user-1', 100)).toBe(true);
      expect(await store().useAuthenticatorStep('user-1', 100)).toBe(false);
      expect(await store().useAuthenticatorStep('user-1', 99)).toBe(false);
      expect(await store().useAuthenticatorStep('user-1', 101)).toBe(true);
      expect((await store().getAuthenticator('user-1'))?.lastUsedStep).toBe(101);
    });

    it('refuses a step for a user without an authenticator', async () => {
      expect(await store().useAuthenticatorStep('user-1', 100)).toBe(false);
      expect(await store().getAuthenticator('user-1')).toBeUndefined();
    });

    it('accepts a step once when the same code is tried concurrently', async () => {
      await store().saveAuthenticator(authenticator());
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store().useAuthenticatorStep('user-1', 7)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps users apart', async () => {
      await store().saveAuthenticator(authenticator());
      await store().saveAuthenticator(authenticator({ user: 'user-2' }));
      expect(await store().useAuthenticatorStep('user-1', 5)).toBe(true);
      expect(await store().useAuthenticatorStep('user-2', 5)).toBe(true);
      expect(await store().removeAuthenticator('user-2')).toBe(true);
      expect(await store().getAuthenticator('user-1')).toEqual(authenticator({ lastUsedStep: 5 }));
    });
  });
}
