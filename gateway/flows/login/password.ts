/**
 * Password hashes for users.yaml: scrypt (memory-hard, in Node's crypto, no native add-on),
 * written in a PHC-like form so parameters can be raised later without breaking old hashes:
 *   $scrypt$ln=15,r=8,p=1$<salt base64>$<key base64>
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const DEFAULT_COST = { ln: 15, r: 8, p: 1 };
const FORMAT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(password: string, salt: Buffer, cost: typeof DEFAULT_COST): Promise<Buffer> {
  const N = 2 ** cost.ln;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 128 * N * cost.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function isPasswordHash(text: string): boolean {
  return FORMAT.test(text);
}

/** Constant-time comparison of the derived key; a malformed hash never matches. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = FORMAT.exec(hash);
  if (!match) return false;
  const [, ln, r, p, salt, expected] = match;
  const cost = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (cost.ln < 10 || cost.ln > 20) return false;
  const key = await derive(password, Buffer.from(salt ?? '', 'base64'), cost);
  const wanted = Buffer.from(expected ?? '', 'base64');
  return wanted.length === key.length && timingSafeEqual(key, wanted);
}

/**
 * A hash no password matches, computed at the default cost. Checking an unknown user's
 * password against it makes "no such user" cost the same time as "wrong password".
 */
let decoy: Promise<string> | undefined;

export function makeDecoyHash(): Promise<string> {
  // One per process is enough: it only has to cost what a real check costs.
  decoy ??= hashPassword(randomBytes(24).toString('base64'));
  return decoy;
}
