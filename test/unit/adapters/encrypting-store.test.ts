import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EncryptingStore,
  EncryptionKeyMismatchError,
  KEY_CHECK_SETTING,
  StoredValueUnreadableError,
} from '../../../adapters/crypto/encrypting-store.js';
import { KEY_MISMATCH_MESSAGE } from '../../../adapters/crypto/errors.js';
import { MemoryStore } from '../../../adapters/memory/store.js';
import { SqliteStore } from '../../../adapters/sqlite/store.js';
import type { CredentialRecord, MobileRecord } from '../../../gateway/ports.js';

const KEY = Buffer.alloc(32, 1);
const OTHER_KEY = Buffer.alloc(32, 2);
const ALICE_PHONE = '+14155550100';
const ALICE_OLD_PHONE = '+14155550199';
const BOB_PHONE = '+447700900123';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

const mobile = (
  user: string,
  phone: string | null,
  removedSourcePhone: string | null = null,
): MobileRecord => ({
  user,
  phone,
  verifiedAt: new Date(Date.UTC(2030, 0, 1)),
  source: 'self',
  removedSourcePhone,
  updatedAt: new Date(Date.UTC(2030, 0, 2)),
});

const authenticator = (user: string, secret = SECRET): CredentialRecord => ({
  id: `app-${user}`,
  user,
  type: 'authenticator',
  name: null,
  data: secret,
  createdAt: new Date(Date.UTC(2030, 0, 3)),
  lastUsedAt: null,
  counter: null,
});

/** A passkey's data, as the webauthn method keeps it (its public key is no secret, but is sealed too). */
const PASSKEY_DATA = '{"credentialId":"AAEC","publicKey":"pQECAyYgASFYIHNlY3JldA"}';
const passkey = (user: string, id: string): CredentialRecord => ({
  ...authenticator(user),
  id,
  type: 'webauthn',
  name: 'Office key',
  data: PASSKEY_DATA,
});

const directory = mkdtempSync(join(tmpdir(), 'stepgate-encrypting-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileNumber = 0;
let path: string;
let raw: SqliteStore;
let db: Database.Database;

beforeEach(() => {
  fileNumber += 1;
  path = join(directory, `store-${fileNumber}.db`);
  raw = SqliteStore.open(path);
  db = new Database(path);
});

afterEach(async () => {
  db.close();
  await raw.close();
});

const column = (table: 'mobiles' | 'credentials', name: string, user: string): unknown =>
  db.prepare(`SELECT ${name} FROM ${table} WHERE username = ?`).pluck().get(user);

const credentialData = (id: string): unknown =>
  db.prepare('SELECT data FROM credentials WHERE id = ?').pluck().get(id);

describe('EncryptingStore on SQLite', () => {
  it("leaves no plaintext phone number or credential's data in the database file", async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveMobile(mobile('alice', ALICE_PHONE, ALICE_OLD_PHONE));
    await store.saveCredential(authenticator('alice'));
    await store.saveCredential(passkey('alice', 'key-1'));
    for (const value of [
      column('mobiles', 'phone', 'alice'),
      column('mobiles', 'removed_source_phone', 'alice'),
      credentialData('app-alice'),
      credentialData('key-1'),
    ]) {
      expect(value).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    }
    expect(await store.getMobile('alice')).toEqual(mobile('alice', ALICE_PHONE, ALICE_OLD_PHONE));
    expect(await store.listCredentials('alice')).toEqual([authenticator('alice'), passkey('alice', 'key-1')]);

    db.close();
    await store.close(); // the last connection checkpoints the WAL into the file
    const bytes = [path, `${path}-wal`]
      .filter(existsSync)
      .map((file) => readFileSync(file).toString('latin1'));
    for (const plaintext of [ALICE_PHONE, ALICE_OLD_PHONE, SECRET, 'pQECAyYgASFYIHNlY3JldA']) {
      expect(bytes.some((text) => text.includes(plaintext))).toBe(false);
    }
    db = new Database(path);
  });

  it('seals the same number differently each time (a random IV per value)', async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveMobile(mobile('alice', ALICE_PHONE));
    const first = column('mobiles', 'phone', 'alice');
    await store.saveMobile(mobile('alice', ALICE_PHONE));
    expect(column('mobiles', 'phone', 'alice')).not.toBe(first);
  });

  it("refuses a phone number copied into another user's row, with a clear error", async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveMobile(mobile('alice', ALICE_PHONE));
    await store.saveMobile(mobile('bob', BOB_PHONE));
    db.prepare(
      "UPDATE mobiles SET phone = (SELECT phone FROM mobiles WHERE username = 'alice') WHERE username = 'bob'",
    ).run();
    const read = store.getMobile('bob');
    await expect(read).rejects.toThrow(StoredValueUnreadableError);
    await expect(read).rejects.toThrow(
      "store: mobiles.phone of user 'bob' cannot be decrypted: it was altered, or copied from another row",
    );
    await expect(store.listMobiles()).rejects.toThrow(StoredValueUnreadableError);
    expect(await store.getMobile('alice')).toEqual(mobile('alice', ALICE_PHONE));
  });

  it('refuses a value moved to another column of the same row', async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveMobile(mobile('alice', ALICE_PHONE));
    db.prepare("UPDATE mobiles SET removed_source_phone = phone WHERE username = 'alice'").run();
    await expect(store.getMobile('alice')).rejects.toThrow(/mobiles\.removed_source_phone of user 'alice'/);
  });

  it("refuses an authenticator secret copied into another user's row", async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveCredential(authenticator('alice'));
    await store.saveCredential(authenticator('bob', 'KRSXG5CTMVRXEZLU'));
    db.prepare(
      "UPDATE credentials SET data = (SELECT data FROM credentials WHERE username = 'alice') WHERE username = 'bob'",
    ).run();
    await expect(store.listCredentials('bob')).rejects.toThrow(
      "store: authenticators.secret of user 'bob' cannot be decrypted",
    );
  });

  it("refuses a passkey's data copied into another of the user's rows", async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveCredential(passkey('alice', 'key-1'));
    await store.saveCredential({ ...passkey('alice', 'key-2'), data: '{"credentialId":"other"}' });
    db.prepare(
      "UPDATE credentials SET data = (SELECT data FROM credentials WHERE id = 'key-1') WHERE id = 'key-2'",
    ).run();
    await expect(store.listCredentials('alice')).rejects.toThrow(
      "store: credentials.webauthn of user 'alice' cannot be decrypted",
    );
  });

  it('refuses an altered, a malformed or a newer-format value instead of returning garbage', async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.saveMobile(mobile('alice', ALICE_PHONE));
    const sealed = String(column('mobiles', 'phone', 'alice'));
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    const cases: [string, RegExp][] = [
      [flipped, /cannot be decrypted: it was altered/],
      ['v1:not-a-sealed-value', /is not a valid encrypted value/],
      ['v2:abc:def', /format this stepgate does not know \('v2'\); upgrade stepgate/],
    ];
    for (const [stored, message] of cases) {
      db.prepare("UPDATE mobiles SET phone = ? WHERE username = 'alice'").run(stored);
      await expect(store.getMobile('alice')).rejects.toThrow(message);
    }
  });

  it('refuses a value sealed under another key, naming both key ids', async () => {
    const [otherInner, inner] = [new MemoryStore(), new MemoryStore()];
    await (await EncryptingStore.open(otherInner, OTHER_KEY)).saveMobile(mobile('alice', ALICE_PHONE));
    const store = await EncryptingStore.open(inner, KEY);
    // Sealed for alice's row, but under the other key, then planted in this store.
    const planted = await otherInner.getMobile('alice');
    if (planted !== undefined) await inner.saveMobile(planted);
    await expect(store.getMobile('alice')).rejects.toThrow(
      new RegExp(`was encrypted with another key \\(key id [0-9a-f]{8}, expected ${store.keyId}\\)`),
    );
  });

  it('passes everything else through unchanged', async () => {
    const store = await EncryptingStore.open(raw, KEY);
    await store.rememberNetwork('alice', '203.0.113.7/32', 'sms', new Date(0));
    expect(db.prepare('SELECT network FROM remembered_networks').pluck().get()).toBe('203.0.113.7/32');
    await store.setSetting('other', 'value');
    expect(await raw.getSetting('other')).toBe('value');
  });
});

describe('the key check', () => {
  it('is written on first use and refuses another key at the next open, with the clear message', async () => {
    await EncryptingStore.open(raw, KEY);
    const check = await raw.getSetting(KEY_CHECK_SETTING);
    expect(check).toMatch(/^v1:/);
    await expect(EncryptingStore.open(raw, KEY)).resolves.toBeInstanceOf(EncryptingStore);
    const wrong = EncryptingStore.open(raw, OTHER_KEY);
    await expect(wrong).rejects.toThrow(EncryptionKeyMismatchError);
    await expect(wrong).rejects.toThrow(KEY_MISMATCH_MESSAGE);
    expect(KEY_MISMATCH_MESSAGE).toBe(
      "store.encryption_key does not match the key this database was encrypted with; set the right key or run 'stepgate admin rotate-key'",
    );
    expect(await raw.getSetting(KEY_CHECK_SETTING)).toBe(check);
  });

  it('without a check, refuses a key that does not open the values already sealed', async () => {
    const first = await EncryptingStore.open(raw, KEY);
    await first.saveCredential(passkey('alice', 'key-1'));
    db.prepare('DELETE FROM settings').run();
    await expect(EncryptingStore.open(raw, OTHER_KEY)).rejects.toThrow(KEY_MISMATCH_MESSAGE);
    expect(await raw.getSetting(KEY_CHECK_SETTING)).toBeUndefined();
    // The right key is taken, and the check written again.
    await EncryptingStore.open(raw, KEY);
    expect(await raw.getSetting(KEY_CHECK_SETTING)).toMatch(/^v1:/);
  });

  it('lets one key win when instances with different keys start together on a new store', async () => {
    // Two processes on one database file, as two instances on one store: each reads "no check"
    // before either writes one.
    const other = SqliteStore.open(path);
    try {
      const opened = await Promise.allSettled([
        EncryptingStore.open(raw, KEY),
        EncryptingStore.open(other, OTHER_KEY),
      ]);
      expect(opened.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = opened.find((result) => result.status === 'rejected');
      expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(EncryptionKeyMismatchError);
      // The check kept is the winner's: the same key opens again, the other does not.
      const winner = opened[0]?.status === 'fulfilled' ? KEY : OTHER_KEY;
      const loser = winner === KEY ? OTHER_KEY : KEY;
      await expect(EncryptingStore.open(raw, winner)).resolves.toBeInstanceOf(EncryptingStore);
      await expect(EncryptingStore.open(raw, loser)).rejects.toThrow(EncryptionKeyMismatchError);
    } finally {
      await other.close();
    }
  });

  it('refuses a damaged check rather than accepting any key', async () => {
    await raw.setSetting(KEY_CHECK_SETTING, 'v1:garbage');
    await expect(EncryptingStore.open(raw, KEY)).rejects.toThrow(EncryptionKeyMismatchError);
  });
});

describe('plaintext stored before encryption was turned on', () => {
  it('is read as it is, and sealed when saved again', async () => {
    await raw.saveMobile(mobile('alice', ALICE_PHONE, ALICE_OLD_PHONE));
    await raw.saveCredential(authenticator('alice'));
    const store = await EncryptingStore.open(raw, KEY);
    expect(await raw.getSetting(KEY_CHECK_SETTING)).toMatch(/^v1:/);
    expect(await store.getMobile('alice')).toEqual(mobile('alice', ALICE_PHONE, ALICE_OLD_PHONE));
    expect(await store.listAllCredentials()).toEqual([authenticator('alice')]);

    await store.saveMobile(mobile('alice', BOB_PHONE));
    expect(column('mobiles', 'phone', 'alice')).toMatch(/^v1:/);
    expect(await store.getMobile('alice')).toEqual(mobile('alice', BOB_PHONE));
    // The other key no longer matches once the check is written.
    await expect(EncryptingStore.open(raw, OTHER_KEY)).rejects.toThrow(EncryptionKeyMismatchError);
  });
});
