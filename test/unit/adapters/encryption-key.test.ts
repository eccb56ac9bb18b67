import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isEncryptionKeyText, parseEncryptionKey } from '../../../adapters/crypto/encrypting-store.js';
import { storeSchema } from '../../../config/schema.js';

// 0xfb bytes make a base64 text with '+' and '/', which base64url writes differently.
const bytes = Buffer.alloc(32, 0xfb);

describe('parseEncryptionKey', () => {
  it('reads 32 bytes written as base64 (openssl rand -base64 32) or hex', () => {
    expect(parseEncryptionKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString('hex').toUpperCase())).toEqual(bytes);
  });

  const malformed = [
    ['a passphrase', 'an-encryption-key-from-the-environment'],
    ['16 bytes of base64', randomBytes(16).toString('base64')],
    ['48 bytes of base64', randomBytes(48).toString('base64')],
    ['base64 without padding', bytes.toString('base64').slice(0, 43)],
    ['base64url', bytes.toString('base64url') + '='],
    ['hex with a space', ` ${bytes.toString('hex')}`],
    ['63 hex digits', bytes.toString('hex').slice(1)],
    ['nothing', ''],
  ];

  it.each(malformed)('refuses %s, naming the accepted forms and how to make one', (_name, text) => {
    expect(isEncryptionKeyText(text ?? '')).toBe(false);
    expect(() => parseEncryptionKey(text ?? '')).toThrow(
      "store.encryption_key must be 32 random bytes written as base64 (44 characters) or hex (64 characters); make one with 'openssl rand -base64 32'",
    );
  });

  it('names the setting it read', () => {
    expect(() => parseEncryptionKey('short', 'STEPGATE_NEW_ENCRYPTION_KEY')).toThrow(
      /^STEPGATE_NEW_ENCRYPTION_KEY must be 32 random bytes/,
    );
  });

  it('accepts exactly what the config schema accepts', () => {
    const samples = [
      bytes.toString('base64'),
      bytes.toString('hex'),
      ...malformed.map(([, text]) => text ?? ''),
    ];
    for (const text of samples) {
      const parsed = storeSchema.safeParse({ encryption_key: text });
      expect(parsed.success, text).toBe(isEncryptionKeyText(text));
    }
  });
});
