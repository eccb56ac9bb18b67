import { describe, expect, it } from 'vitest';
import { at, credential, mobile, type CurrentStore } from '../fixtures.js';

const passkey = (id: string, minutes: number) =>
  credential({ id, type: 'webauthn', name: `key ${id}`, data: `{"key":"${id}"}`, createdAt: at(minutes) });

/** Mobile numbers, declined registration prompts and credentials (authenticator apps, passkeys). */
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

  describe('credentials', () => {
    it('returns a saved credential as it was saved, with Dates', async () => {
      expect(await store().listCredentials('user-1')).toEqual([]);
      const saved = credential({ counter: 42, lastUsedAt: at(3), name: 'phone' });
      await store().saveCredential(saved);
      const [listed] = await store().listCredentials('user-1');
      expect(listed).toEqual(saved);
      expect(listed?.createdAt).toBeInstanceOf(Date);
      expect(listed?.lastUsedAt?.getTime()).toBe(at(3).getTime());
    });

    it('keeps several per user, oldest first, and lists one type on its own', async () => {
      await store().saveCredential(passkey('b', 5));
      await store().saveCredential(credential({ createdAt: at(9) }));
      await store().saveCredential(passkey('a', 1));
      expect((await store().listCredentials('user-1')).map((c) => c.id)).toEqual(['a', 'b', 'credential-1']);
      expect((await store().listCredentials('user-1', 'webauthn')).map((c) => c.id)).toEqual(['a', 'b']);
      expect(await store().listCredentials('user-1', 'sms')).toEqual([]);
    });

    it('replaces a credential saved again under its id', async () => {
      await store().saveCredential(credential({ counter: 42 }));
      const changed = credential({ data: 'NEWSECRETNEWSECR', name: 'new', createdAt: at(9), counter: null });
      await store().saveCredential(changed);
      expect(await store().listCredentials('user-1')).toEqual([changed]);
    });

    it("removes a credential once, and only its owner's", async () => {
      await store().saveCredential(credential());
      expect(await store().removeCredential('user-2', 'credential-1')).toBe(false);
      expect(await store().removeCredential('user-1', 'credential-1')).toBe(true);
      expect(await store().listCredentials('user-1')).toEqual([]);
      expect(await store().removeCredential('user-1', 'credential-1')).toBe(false);
    });

    it('moves a counter only upward, and records when it was used', async () => {
      await store().saveCredential(credential());
      expect(await store().useCredential('user-1', 'credential-1', { at: at(1), counter: 100 })).toBe(true);
      expect(await store().useCredential('user-1', 'credential-1', { at: at(2), counter: 100 })).toBe(false);
      expect(await store().useCredential('user-1', 'credential-1', { at: at(3), counter: 99 })).toBe(false);
      expect(await store().useCredential('user-1', 'credential-1', { at: at(4), counter: 101 })).toBe(true);
      const [used] = await store().listCredentials('user-1');
      expect(used?.counter).toBe(101);
      expect(used?.lastUsedAt).toEqual(at(4));
    });

    it('records a use without a counter every time', async () => {
      await store().saveCredential(passkey('a', 0));
      expect(await store().useCredential('user-1', 'a', { at: at(1) })).toBe(true);
      expect(await store().useCredential('user-1', 'a', { at: at(2) })).toBe(true);
      expect((await store().listCredentials('user-1'))[0]?.lastUsedAt).toEqual(at(2));
    });

    it("refuses a use of a credential that is gone, or someone else's", async () => {
      expect(await store().useCredential('user-1', 'credential-1', { at: at(1), counter: 1 })).toBe(false);
      await store().saveCredential(credential());
      expect(await store().useCredential('user-2', 'credential-1', { at: at(1), counter: 1 })).toBe(false);
      expect(await store().useCredential('user-2', 'credential-1', { at: at(1) })).toBe(false);
      expect(await store().listCredentials('user-1')).toEqual([credential()]);
    });

    it('moves a counter once when the same value is tried concurrently', async () => {
      await store().saveCredential(credential());
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store().useCredential('user-1', 'credential-1', { at: at(1), counter: 7 }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps users apart', async () => {
      await store().saveCredential(credential());
      await store().saveCredential(credential({ id: 'credential-2', user: 'user-2' }));
      expect(await store().useCredential('user-1', 'credential-1', { at: at(1), counter: 5 })).toBe(true);
      expect(await store().useCredential('user-2', 'credential-2', { at: at(1), counter: 5 })).toBe(true);
      expect(await store().removeCredential('user-2', 'credential-2')).toBe(true);
      expect(await store().listCredentials('user-1')).toEqual([
        credential({ counter: 5, lastUsedAt: at(1) }),
      ]);
    });

    it('hands out copies', async () => {
      const record = credential();
      await store().saveCredential(record);
      record.data = 'changed';
      const [listed] = await store().listCredentials('user-1');
      listed?.createdAt.setTime(0);
      expect(await store().listCredentials('user-1')).toEqual([credential()]);
    });
  });
}
