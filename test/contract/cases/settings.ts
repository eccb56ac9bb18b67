import { describe, expect, it } from 'vitest';
import { at, credential, mobile, type CurrentStore } from '../fixtures.js';

/**
 * Listing every mobile and credential (what `admin rotate-key` re-encrypts) and the store's own
 * settings. Users are named so that every collation orders them alike: the order is by user.
 */
export function describeListsAndSettings(store: CurrentStore): void {
  describe('listing every mobile', () => {
    it('lists nothing in an empty store', async () => {
      expect(await store().listMobiles()).toEqual([]);
    });

    it('lists every record by user, removed numbers included, as saved', async () => {
      const removed = mobile({
        user: 'user-1',
        phone: null,
        verifiedAt: null,
        source: 'admin',
        removedSourcePhone: '+14155550100',
      });
      const admin = mobile({ user: 'user-2', phone: '+447700900123', source: 'admin', updatedAt: at(7) });
      const self = mobile({ user: 'user-3', verifiedAt: null });
      for (const record of [self, removed, admin]) await store().saveMobile(record);
      const listed = await store().listMobiles();
      expect(listed).toEqual([removed, admin, self]);
      expect(listed[1]?.updatedAt).toBeInstanceOf(Date);
    });

    it('lists a record once, as last saved', async () => {
      await store().saveMobile(mobile());
      await store().saveMobile(mobile({ phone: '+447700900123', updatedAt: at(5) }));
      expect(await store().listMobiles()).toEqual([mobile({ phone: '+447700900123', updatedAt: at(5) })]);
    });

    it('hands out copies', async () => {
      await store().saveMobile(mobile());
      const [listed] = await store().listMobiles();
      listed?.updatedAt.setTime(0);
      if (listed) listed.phone = '+10000000000';
      expect(await store().getMobile('user-1')).toEqual(mobile());
    });
  });

  describe('listing every credential', () => {
    it('lists nothing in an empty store', async () => {
      expect(await store().listAllCredentials()).toEqual([]);
    });

    it('lists every credential by user, then oldest first, with its counter', async () => {
      const second = credential({ id: 'c-2', user: 'user-2', data: 'KRSXG5CTMVRXEZLU' });
      const key = credential({ id: 'c-3', user: 'user-2', type: 'webauthn', name: 'key', createdAt: at(4) });
      await store().saveCredential(key);
      await store().saveCredential(second);
      await store().saveCredential(credential({ id: 'c-1' }));
      await store().useCredential('user-2', 'c-2', { at: at(2), counter: 77 });
      const listed = await store().listAllCredentials();
      expect(listed).toEqual([credential({ id: 'c-1' }), { ...second, counter: 77, lastUsedAt: at(2) }, key]);
      expect(listed[0]?.createdAt).toBeInstanceOf(Date);
    });

    it('leaves out a removed credential', async () => {
      await store().saveCredential(credential({ id: 'c-1' }));
      await store().saveCredential(credential({ id: 'c-2', user: 'user-2' }));
      await store().removeCredential('user-1', 'c-1');
      expect((await store().listAllCredentials()).map((record) => record.user)).toEqual(['user-2']);
    });
  });

  describe('settings', () => {
    it('has no value for a setting never set', async () => {
      expect(await store().getSetting('contract_setting')).toBeUndefined();
    });

    it('returns a value exactly as set, and the latest one after a second set', async () => {
      const value = 'v1:abcd:iv+/=:tag==:Ünïcode and colons: kept';
      await store().setSetting('contract_setting', value);
      expect(await store().getSetting('contract_setting')).toBe(value);
      await store().setSetting('contract_setting', 'second');
      expect(await store().getSetting('contract_setting')).toBe('second');
    });

    it('keeps settings apart by name', async () => {
      await store().setSetting('contract_one', 'one');
      await store().setSetting('contract_two', 'two');
      expect(await store().getSetting('contract_one')).toBe('one');
      expect(await store().getSetting('contract_two')).toBe('two');
      expect(await store().getSetting('contract_three')).toBeUndefined();
    });

    it('adds a value only where there is none, and says which value is stored', async () => {
      expect(await store().addSetting('contract_setting', 'first')).toBe('first');
      expect(await store().addSetting('contract_setting', 'second')).toBe('first');
      expect(await store().getSetting('contract_setting')).toBe('first');
      const both = await Promise.all([
        store().addSetting('contract_race', 'one'),
        store().addSetting('contract_race', 'two'),
      ]);
      expect(both[0]).toBe(both[1]);
      expect(await store().getSetting('contract_race')).toBe(both[0]);
    });

    it('keeps an empty value apart from no value', async () => {
      await store().setSetting('contract_setting', '');
      expect(await store().getSetting('contract_setting')).toBe('');
    });
  });
}
