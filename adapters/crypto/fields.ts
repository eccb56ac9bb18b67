/**
 * Which values of which records are encrypted at rest, and how a record is sealed and opened.
 * Only values are encrypted, never the user a record is found by, so every lookup still works.
 */
import type { CredentialRecord, MobileRecord } from '../../gateway/ports.js';
import { StoredValueUnreadableError } from './errors.js';
import { bindingOf, isSealed, parseSealed, sealedVersion, type SealingKey } from './key.js';

export type SealedField =
  'mobiles.phone' | 'mobiles.removed_source_phone' | 'authenticators.secret' | `credentials.${string}`;

/** The keys a value may be opened with: the current one first, then older ones during a rotation. */
export class Keyring {
  readonly keys: readonly SealingKey[];

  constructor(
    readonly current: SealingKey,
    others: readonly SealingKey[] = [],
  ) {
    this.keys = [current, ...others.filter((key) => key.id !== current.id)];
  }

  find(keyId: string): SealingKey | undefined {
    return this.keys.find((key) => key.id === keyId);
  }
}

function unknownKeyReason(keyId: string, keyring: Keyring): string {
  const expected = keyring.keys.map((key) => key.id).join(' or ');
  const advice =
    keyring.keys.length === 1
      ? "; set the right store.encryption_key, or finish the key rotation with 'stepgate admin rotate-key'"
      : '';
  return `was encrypted with another key (key id ${keyId}, expected ${expected})${advice}`;
}

export function sealValue(
  value: string,
  field: SealedField,
  user: string,
  key: SealingKey,
  row?: string,
): string {
  return key.seal(value, bindingOf(field, user, row));
}

/** The plaintext of a stored value; plaintext stored before encryption was turned on passes through. */
export function openValue(
  value: string,
  field: SealedField,
  user: string,
  keyring: Keyring,
  row?: string,
): string {
  if (!isSealed(value)) {
    const version = sealedVersion(value);
    if (version === undefined) return value;
    throw new StoredValueUnreadableError(
      field,
      user,
      `was encrypted in a format this stepgate does not know ('${version}'); upgrade stepgate`,
    );
  }
  const parts = parseSealed(value);
  if (parts === undefined)
    throw new StoredValueUnreadableError(field, user, 'is not a valid encrypted value');
  const key = keyring.find(parts.keyId);
  if (key === undefined)
    throw new StoredValueUnreadableError(field, user, unknownKeyReason(parts.keyId, keyring));
  const plaintext = key.open(parts, bindingOf(field, user, row));
  if (plaintext === undefined) {
    throw new StoredValueUnreadableError(
      field,
      user,
      'cannot be decrypted: it was altered, or copied from another row',
    );
  }
  return plaintext;
}

/** True for plaintext and for values sealed by another key: they must be rewritten under `key`. */
export function needsSealingBy(value: string | null, key: SealingKey): boolean {
  return value !== null && !(isSealed(value) && parseSealed(value)?.keyId === key.id);
}

const sealNullable = (value: string | null, field: SealedField, user: string, key: SealingKey) =>
  value === null ? null : sealValue(value, field, user, key);

const openNullable = (value: string | null, field: SealedField, user: string, keyring: Keyring) =>
  value === null ? null : openValue(value, field, user, keyring);

export function sealMobile(record: MobileRecord, key: SealingKey): MobileRecord {
  return {
    ...record,
    phone: sealNullable(record.phone, 'mobiles.phone', record.user, key),
    removedSourcePhone: sealNullable(
      record.removedSourcePhone,
      'mobiles.removed_source_phone',
      record.user,
      key,
    ),
  };
}

export function openMobile(record: MobileRecord, keyring: Keyring): MobileRecord {
  return {
    ...record,
    phone: openNullable(record.phone, 'mobiles.phone', record.user, keyring),
    removedSourcePhone: openNullable(
      record.removedSourcePhone,
      'mobiles.removed_source_phone',
      record.user,
      keyring,
    ),
  };
}

/**
 * Where a credential's data is bound: its type's column, its user and its id. Authenticator
 * secrets keep the binding of the column they were sealed in before every method's credentials
 * shared one table: store migration 4 moved them there unopened, as migrations run without the
 * key. There is one per user, so the id adds nothing for them.
 */
function credentialBinding(record: CredentialRecord): { field: SealedField; row?: string } {
  if (record.type === 'authenticator') return { field: 'authenticators.secret' };
  return { field: `credentials.${record.type}`, row: record.id };
}

export function sealCredential(record: CredentialRecord, key: SealingKey): CredentialRecord {
  const { field, row } = credentialBinding(record);
  return { ...record, data: sealValue(record.data, field, record.user, key, row) };
}

export function openCredential(record: CredentialRecord, keyring: Keyring): CredentialRecord {
  const { field, row } = credentialBinding(record);
  return { ...record, data: openValue(record.data, field, record.user, keyring, row) };
}

/** A stored value with the column and row it belongs to. */
export interface StoredValue {
  value: string;
  field: SealedField;
  user: string;
  row?: string | undefined;
}

/** Every sealed value of a store's records, with where it came from (for key checks). */
export function* sealedValuesOf(
  mobiles: readonly MobileRecord[],
  credentials: readonly CredentialRecord[],
): Generator<StoredValue> {
  for (const record of mobiles) {
    if (record.phone !== null && isSealed(record.phone))
      yield { value: record.phone, field: 'mobiles.phone', user: record.user };
    if (record.removedSourcePhone !== null && isSealed(record.removedSourcePhone))
      yield { value: record.removedSourcePhone, field: 'mobiles.removed_source_phone', user: record.user };
  }
  for (const record of credentials) {
    if (isSealed(record.data)) yield { value: record.data, user: record.user, ...credentialBinding(record) };
  }
}
