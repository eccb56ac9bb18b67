/**
 * The key check: a known text sealed under the key and kept as a store setting, so a wrong key is
 * refused at start-up with a clear error instead of failing later, row by row.
 */
import type { Store } from '../../gateway/ports.js';
import { EncryptionKeyMismatchError } from './errors.js';
import { Keyring, openValue, sealedValuesOf, type StoredValue } from './fields.js';
import { bindingOf, parseSealed, type SealingKey } from './key.js';

export const KEY_CHECK_SETTING = 'encryption_key_check';
const KEY_CHECK_FIELD = 'settings.encryption_key_check';
const KEY_CHECK_TEXT = 'stepgate encryption key check';

export function makeKeyCheck(key: SealingKey): string {
  return key.seal(KEY_CHECK_TEXT, bindingOf(KEY_CHECK_FIELD));
}

/** True when `value` is a key check made with `key`. */
export function passesKeyCheck(value: string, key: SealingKey): boolean {
  const parts = parseSealed(value);
  return parts !== undefined && key.open(parts, bindingOf(KEY_CHECK_FIELD)) === KEY_CHECK_TEXT;
}

function opensWith(stored: StoredValue, key: SealingKey): boolean {
  try {
    openValue(stored.value, stored.field, stored.user, new Keyring(key), stored.row);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first sealed value in the store, if any. It reads every record, which happens only while a
 * store has no key check yet: on its first start with a key.
 */
async function firstSealedValue(store: Store): Promise<StoredValue | undefined> {
  const [mobiles, credentials] = await Promise.all([store.listMobiles(), store.listAllCredentials()]);
  return sealedValuesOf(mobiles, credentials).next().value;
}

/**
 * Checks `key` against the store, writing the check on first use. Without a check, a store that
 * holds no sealed value (new, or written before encryption was turned on) takes this key; one that
 * holds sealed values (a rotation from plaintext interrupted before its last step) takes it only
 * when the key opens them. Throws EncryptionKeyMismatchError otherwise.
 */
export async function verifyKeyCheck(store: Store, key: SealingKey): Promise<void> {
  const stored = await store.getSetting(KEY_CHECK_SETTING);
  if (stored !== undefined) {
    if (!passesKeyCheck(stored, key)) throw new EncryptionKeyMismatchError();
    return;
  }
  const sample = await firstSealedValue(store);
  if (sample !== undefined && !opensWith(sample, key)) throw new EncryptionKeyMismatchError();
  // Instances started together on a new store may each get here, with different keys if one is
  // misconfigured: the first check written wins, and every other key is refused against it.
  const check = await store.addSetting(KEY_CHECK_SETTING, makeKeyCheck(key));
  if (!passesKeyCheck(check, key)) throw new EncryptionKeyMismatchError();
}
