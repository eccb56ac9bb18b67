/**
 * Key rotation (`stepgate admin rotate-key`): every phone number and credential's data (authenticator
 * secrets, passkeys) is rewritten under a new key, and plaintext from before encryption was turned on is sealed.
 *
 * Run it with every stepgate instance on the store stopped. A running instance keeps the old key:
 * it would fail to read rows already moved to the new key, and a row it saves meanwhile (under the
 * old key, or with a newer used TOTP step) could be overwritten or left behind.
 *
 * The order makes an interruption recoverable. First every value is read and decrypted; when one
 * cannot be, nothing is changed. Then each row is rewritten under the new key, and the key check
 * last. Interrupted halfway, the store holds rows under both keys and a check that still names the
 * old key: stepgate still starts with the old key (the moved rows fail to read, with a clear error),
 * and running the same rotation again finishes the job, because each value carries the id of the
 * key that sealed it and is opened with whichever of the two keys that is. Rows already under the
 * new key are left alone, so rotating to the key in use only seals the remaining plaintext.
 */
import type { CredentialRecord, MobileRecord, Store } from '../../gateway/ports.js';
import { KeyRotationError, StoredValueUnreadableError } from './errors.js';
import { Keyring, needsSealingBy, openCredential, openMobile, sealCredential, sealMobile } from './fields.js';
import { KEY_CHECK_SETTING, makeKeyCheck, passesKeyCheck } from './key-check.js';
import { SealingKey } from './key.js';

export interface RotationResult {
  /** Mobile records rewritten under the new key. */
  mobiles: number;
  /** Credentials (authenticator apps, passkeys) rewritten under the new key. */
  credentials: number;
}

/** How many unreadable values a refusal lists; the count says how many there are in all. */
const LISTED_PROBLEMS = 5;

/** Refuses to start when the store's key check names neither key: the wrong old key was given. */
async function assertKnownKeys(store: Store, next: SealingKey, previous: SealingKey | undefined) {
  const check = await store.getSetting(KEY_CHECK_SETTING);
  if (check === undefined) return; // Never checked: each value must open with one of the keys.
  if (passesKeyCheck(check, next) || (previous !== undefined && passesKeyCheck(check, previous))) return;
  throw new KeyRotationError(
    previous === undefined
      ? 'store: this database is encrypted but no current key was given (store.encryption_key); nothing was changed'
      : 'store: the current key (store.encryption_key) does not match the key this database was encrypted with; nothing was changed',
  );
}

/** Decrypts every record; throws one error listing what cannot be decrypted. */
function openAll<T>(records: readonly T[], open: (record: T) => T, problems: string[]): T[] {
  return records.flatMap((record) => {
    try {
      return [open(record)];
    } catch (error) {
      if (!(error instanceof StoredValueUnreadableError)) throw error;
      problems.push(error.message);
      return [];
    }
  });
}

/**
 * Re-encrypts every mobile and credential record of `store` (the raw adapter, not an
 * EncryptingStore) under `newKey`, reading values sealed by `oldKey` or by `newKey` and plaintext,
 * then writes the key check of `newKey`. `oldKey` is undefined when the store was never encrypted.
 * Throws KeyRotationError, changing nothing, when a value opens with neither key.
 */
export async function rotateKey(
  store: Store,
  oldKey: Buffer | undefined,
  newKey: Buffer,
): Promise<RotationResult> {
  const next = new SealingKey(newKey);
  const previous = oldKey === undefined ? undefined : new SealingKey(oldKey);
  await assertKnownKeys(store, next, previous);
  const keyring = new Keyring(next, previous === undefined ? [] : [previous]);

  const mobiles = (await store.listMobiles()).filter(
    (record) => needsSealingBy(record.phone, next) || needsSealingBy(record.removedSourcePhone, next),
  );
  const credentials = (await store.listAllCredentials()).filter((record) =>
    needsSealingBy(record.data, next),
  );
  const problems: string[] = [];
  const openedMobiles = openAll<MobileRecord>(mobiles, (record) => openMobile(record, keyring), problems);
  const openedCredentials = openAll<CredentialRecord>(
    credentials,
    (record) => openCredential(record, keyring),
    problems,
  );
  if (problems.length > 0) {
    const listed = problems.slice(0, LISTED_PROBLEMS).join('; ');
    const more = problems.length > LISTED_PROBLEMS ? `; and ${problems.length - LISTED_PROBLEMS} more` : '';
    throw new KeyRotationError(
      `store: ${problems.length} value(s) open with neither the current nor the new key; nothing was changed: ${listed}${more}`,
    );
  }

  for (const record of openedMobiles) await store.saveMobile(sealMobile(record, next));
  for (const record of openedCredentials) await store.saveCredential(sealCredential(record, next));
  // Last: until here the check names the old key, so stepgate keeps starting with it.
  await store.setSetting(KEY_CHECK_SETTING, makeKeyCheck(next));
  return { mobiles: openedMobiles.length, credentials: openedCredentials.length };
}
