/** The errors of encryption at rest. Callers tell them apart by class or `code`, never by message. */

export const KEY_MISMATCH_MESSAGE =
  "store.encryption_key does not match the key this database was encrypted with; set the right key or run 'stepgate admin rotate-key'";

/** The configured key is not the one the store's values were encrypted with: refuse to start. */
export class EncryptionKeyMismatchError extends Error {
  readonly code = 'encryption_key_mismatch';

  constructor(message: string = KEY_MISMATCH_MESSAGE) {
    super(message);
    this.name = 'EncryptionKeyMismatchError';
  }
}

/** A stored value that cannot be turned back into its plaintext; it is never handed out as garbage. */
export class StoredValueUnreadableError extends Error {
  readonly code = 'stored_value_unreadable';

  constructor(
    readonly field: string,
    readonly user: string,
    reason: string,
  ) {
    super(`store: ${field} of user '${user}' ${reason}`);
    this.name = 'StoredValueUnreadableError';
  }
}

/** `admin rotate-key` found something it cannot safely rotate; nothing was changed. */
export class KeyRotationError extends Error {
  readonly code = 'key_rotation_refused';

  constructor(message: string) {
    super(message);
    this.name = 'KeyRotationError';
  }
}
