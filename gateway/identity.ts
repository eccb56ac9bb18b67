/**
 * One person, one identity (docs/decisions.md): whatever was typed at sign-in (`mzhang`, `MZHANG`,
 * `mo.zhang@corp.example`), the user is the name their source holds (the users file's key, the
 * directory entry's username attribute, the SAML NameID, the name the IdP sidecar sends), in one
 * canonical spelling. Limits, lockouts, remembered networks, codes and the history all key on it.
 */

/**
 * The canonical spelling of a username: Unicode NFC (the same letters typed on two keyboards are
 * one name), then lower case, as directories compare names. Applying it twice changes nothing.
 */
export function canonicalUsername(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * The source found the person and checked their password, but holds no usable name for them (a
 * directory entry without the configured username attribute, or with several different values).
 * Never answered by signing them in under what they typed: the sign-in fails, and the log says why.
 */
export class UnusableIdentityError extends Error {
  override readonly name = 'UnusableIdentityError';
}
