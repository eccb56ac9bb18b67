import { describe, expect, it } from 'vitest';
import {
  EncryptingStore,
  EncryptionKeyMismatchError,
  KEY_CHECK_SETTING,
  KeyRotationError,
  rotateKey,
  StoredValueUnreadableError,
} from '../../../adapters/crypto/encrypting-store.js';
import { MemoryStore } from '../../../adapters/memory/store.js';
import type { CredentialRecord, MobileRecord } from '../../../gateway/ports.js';

const OLD_KEY = Buffer.alloc(32, 1);
const NEW_KEY = Buffer.alloc(32, 2);
const STRANGER_KEY = Buffer.alloc(32, 3);

const mobile = (
  user: string,
  phone: string | null,
  removedSourcePhone: string | null = null,
): MobileRecord => ({
  user,
  phone,
  verifiedAt: null,
  source: 'admin',
  removedSourcePhone,
  updatedAt: new Date(Date.UTC(2030, 0, 2)),
});

const credential = (user: string, data: string, type = 'authenticator'): CredentialRecord => ({
  id: `${type}-${user}`,
  user,
  type,
  name: type === 'authenticator' ? null : 'Office key',
  data,
  createdAt: new Date(Date.UTC(2030, 0, 3)),
  lastUsedAt: null,
  counter: 12,
});

const MOBILES = [
  mobile('alice', '+14155550100'),
  mobile('bob', null, '+447700900123'),
  mobile('carol', null), // nothing to encrypt
];
const CREDENTIALS = [
  credential('alice', 'JBSWY3DPEHPK3PXP'),
  credential('dave', '{"credentialId":"AAEC","publicKey":"pQECAyYg"}', 'webauthn'),
];

/** A raw store whose values were sealed under `key` through the decorator. */
async function encryptedStore(key: Buffer, inner = new MemoryStore()): Promise<MemoryStore> {
  const store = await EncryptingStore.open(inner, key);
  for (const record of MOBILES) await store.saveMobile(record);
  for (const record of CREDENTIALS) await store.saveCredential(record);
  return inner;
}

async function expectContents(inner: MemoryStore, key: Buffer): Promise<void> {
  const store = await EncryptingStore.open(inner, key);
  expect(await store.listMobiles()).toEqual(MOBILES);
  expect(await store.listAllCredentials()).toEqual(CREDENTIALS);
}

/** Every value the raw store holds, to tell what a refused rotation left alone. */
async function snapshot(inner: MemoryStore): Promise<unknown> {
  return [
    await inner.listMobiles(),
    await inner.listAllCredentials(),
    await inner.getSetting(KEY_CHECK_SETTING),
  ];
}

describe('rotateKey', () => {
  it('re-encrypts every value under the new key; then the old key fails the check and the new one works', async () => {
    const inner = await encryptedStore(OLD_KEY);
    expect(await rotateKey(inner, OLD_KEY, NEW_KEY)).toEqual({ mobiles: 2, credentials: 2 });
    await expect(EncryptingStore.open(inner, OLD_KEY)).rejects.toThrow(EncryptionKeyMismatchError);
    await expectContents(inner, NEW_KEY);
    const newKeyId = (await EncryptingStore.open(inner, NEW_KEY)).keyId;
    const [alice] = await inner.listMobiles();
    expect(alice?.phone?.split(':')[1]).toBe(newKeyId);
  });

  it('seals plaintext written before encryption was turned on, with no old key', async () => {
    const inner = new MemoryStore();
    for (const record of MOBILES) await inner.saveMobile(record);
    for (const record of CREDENTIALS) await inner.saveCredential(record);
    expect(await rotateKey(inner, undefined, NEW_KEY)).toEqual({ mobiles: 2, credentials: 2 });
    expect((await inner.listAllCredentials()).every((record) => record.data.startsWith('v1:'))).toBe(true);
    expect((await inner.getMobile('bob'))?.removedSourcePhone).toMatch(/^v1:/);
    await expectContents(inner, NEW_KEY);
  });

  it('rotating to the key in use seals only the plaintext left', async () => {
    const inner = await encryptedStore(OLD_KEY);
    await inner.saveCredential(credential('erin', 'MFRGGZDFMZTWQ2LK'));
    expect(await rotateKey(inner, OLD_KEY, OLD_KEY)).toEqual({ mobiles: 0, credentials: 1 });
    expect((await inner.listCredentials('erin'))[0]?.data).toMatch(/^v1:/);
  });

  it('refuses a wrong old key and changes nothing', async () => {
    const inner = await encryptedStore(OLD_KEY);
    const before = await snapshot(inner);
    const rotation = rotateKey(inner, STRANGER_KEY, NEW_KEY);
    await expect(rotation).rejects.toThrow(KeyRotationError);
    await expect(rotation).rejects.toThrow(/current key \(store.encryption_key\) does not match/);
    expect(await snapshot(inner)).toEqual(before);
    await expectContents(inner, OLD_KEY);
  });

  it('refuses an encrypted store when no old key is given', async () => {
    const inner = await encryptedStore(OLD_KEY);
    await expect(rotateKey(inner, undefined, NEW_KEY)).rejects.toThrow(/no current key was given/);
    await expectContents(inner, OLD_KEY);
  });

  it('lists the values neither key opens, and changes nothing', async () => {
    // Values sealed under a third key, copied into a store without a key check.
    const source = await encryptedStore(STRANGER_KEY);
    const inner = new MemoryStore();
    for (const record of await source.listMobiles()) await inner.saveMobile(record);
    for (const record of await source.listAllCredentials()) await inner.saveCredential(record);
    await inner.saveCredential(credential('erin', 'MFRGGZDFMZTWQ2LK')); // plaintext: readable
    const before = await snapshot(inner);
    const rotation = rotateKey(inner, OLD_KEY, NEW_KEY);
    await expect(rotation).rejects.toThrow(
      /^store: 4 value\(s\) open with neither the current nor the new key; nothing was changed: store: mobiles\.phone of user 'alice' was encrypted with another key/,
    );
    expect(await snapshot(inner)).toEqual(before);
  });

  it('finishes an interrupted rotation when run again with the same keys', async () => {
    // The raw store fails on its second credential save, as if the process were killed there.
    class Interrupted extends MemoryStore {
      savesLeft = Infinity;
      override async saveCredential(record: CredentialRecord): Promise<void> {
        if (this.savesLeft === 0) throw new Error('killed');
        this.savesLeft -= 1;
        await super.saveCredential(record);
      }
    }
    const inner = new Interrupted();
    await encryptedStore(OLD_KEY, inner);
    inner.savesLeft = 1;
    await expect(rotateKey(inner, OLD_KEY, NEW_KEY)).rejects.toThrow('killed');

    // Halfway: the check still names the old key, so stepgate starts with it; moved rows say why they fail.
    const halfway = await EncryptingStore.open(inner, OLD_KEY);
    await expect(halfway.getMobile('alice')).rejects.toThrow(StoredValueUnreadableError);
    await expect(halfway.getMobile('alice')).rejects.toThrow(/finish the key rotation/);
    expect(await halfway.listCredentials('dave')).toEqual([CREDENTIALS[1]]);
    await expect(EncryptingStore.open(inner, NEW_KEY)).rejects.toThrow(EncryptionKeyMismatchError);

    // The second run rewrites only what is left, then moves the check.
    inner.savesLeft = Infinity;
    expect(await rotateKey(inner, OLD_KEY, NEW_KEY)).toEqual({ mobiles: 0, credentials: 1 });
    await expectContents(inner, NEW_KEY);
    await expect(EncryptingStore.open(inner, OLD_KEY)).rejects.toThrow(EncryptionKeyMismatchError);
    // A third run finds nothing to do and still succeeds.
    expect(await rotateKey(inner, OLD_KEY, NEW_KEY)).toEqual({ mobiles: 0, credentials: 0 });
  });
});
