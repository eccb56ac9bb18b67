/**
 * The encryption key and the sealed-value format of encryption at rest (SPEC §2).
 *
 * A sealed value is text, so it fits the columns that held the plaintext:
 *
 *     v1:<key id>:<iv base64>:<tag base64>:<ciphertext base64>
 *
 * AES-256-GCM with a random 96-bit IV per value. The additional authenticated data names the
 * column and the row (`stepgate:v1:mobiles.phone:<user>`), so a value copied to another row, or
 * altered, fails to decrypt instead of reading as someone else's number. The key id is derived
 * from the key (it reveals nothing about it) and tells which key sealed a value, which is how a
 * rotation interrupted halfway can be finished.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** What an operator reads when a key is malformed: the accepted forms and how to make one. */
export const KEY_FORMS =
  "must be 32 random bytes written as base64 (44 characters) or hex (64 characters); make one with 'openssl rand -base64 32'";

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** True when `text` is a key in one of the accepted forms (the config schema's rule). */
export function isEncryptionKeyText(text: string): boolean {
  return HEX_KEY.test(text) || (BASE64_KEY.test(text) && Buffer.from(text, 'base64').length === KEY_BYTES);
}

/** The key bytes of `text`; throws naming `setting` (never the value) when it is malformed. */
export function parseEncryptionKey(text: string, setting = 'store.encryption_key'): Buffer {
  if (!isEncryptionKeyText(text)) throw new TypeError(`${setting} ${KEY_FORMS}`);
  return Buffer.from(text, HEX_KEY.test(text) ? 'hex' : 'base64');
}

export interface SealedParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Values with this prefix are sealed; anything else is plaintext written before encryption was on. */
export function isSealed(value: string): boolean {
  return value.startsWith(`${VERSION}:`);
}

/** The version of a value that looks sealed in some format ('v2'), or undefined for plaintext. */
export function sealedVersion(value: string): string | undefined {
  return /^(v\d+):/.exec(value)?.[1];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decode(text: string | undefined, bytes?: number): Buffer | undefined {
  if (text === undefined || !BASE64.test(text) || text.length % 4 !== 0) return undefined;
  const buffer = Buffer.from(text, 'base64');
  return bytes === undefined || buffer.length === bytes ? buffer : undefined;
}

/** The parts of a `v1:` value, or undefined when it is malformed. */
export function parseSealed(value: string): SealedParts | undefined {
  const parts = value.split(':');
  if (parts.length !== 5 || parts[0] !== VERSION || !/^[0-9a-f]{8}$/.test(parts[1] ?? '')) return undefined;
  const [iv, tag, ciphertext] = [decode(parts[2], IV_BYTES), decode(parts[3], TAG_BYTES), decode(parts[4])];
  if (iv === undefined || tag === undefined || ciphertext === undefined) return undefined;
  return { keyId: parts[1] ?? '', iv, tag, ciphertext };
}

/** The associated data that binds a value to its column and row (the row's user, and its id where a user has several). */
export function bindingOf(field: string, user?: string, row?: string): Buffer {
  const where = [user, row].filter((part) => part !== undefined).map((part) => `:${part}`);
  return Buffer.from(`stepgate:${VERSION}:${field}${where.join('')}`, 'utf8');
}

/**
 * One key, ready to seal and open values. The AES key and the key id are derived from the
 * configured bytes with HKDF, so the same secret is never used directly for two purposes.
 */
export class SealingKey {
  readonly id: string;
  private readonly aesKey: Buffer;

  constructor(material: Buffer) {
    if (material.length !== KEY_BYTES) throw new RangeError(`encryption key must be ${KEY_BYTES} bytes`);
    const derive = (info: string, length: number) =>
      Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), info, length));
    this.aesKey = derive('stepgate at-rest encryption v1', KEY_BYTES);
    this.id = derive('stepgate key id v1', 4).toString('hex');
  }

  seal(plaintext: string, binding: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.aesKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(binding);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const encoded = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64'));
    return [VERSION, this.id, ...encoded].join(':');
  }

  /** The plaintext, or undefined when the value was not sealed by this key for this binding. */
  open(parts: SealedParts, binding: Buffer): string | undefined {
    if (parts.keyId !== this.id) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.aesKey, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(binding);
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
