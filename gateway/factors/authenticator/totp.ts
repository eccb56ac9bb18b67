/**
 * Authenticator app (SPEC §1.1, §2): TOTP per RFC 6238 with the parameters every standard app
 * assumes (SHA-1, 6 digits, 30 s), a window of one step either side for clock drift, and each
 * code accepted once.
 */
import { timingSafeEqual } from 'node:crypto';
import QRCode from 'qrcode';
import { HOTP, Secret, TOTP } from 'otpauth';
import { cleanCode } from '../codes.js';

// Apps ignore or mishandle anything but these defaults (Google Authenticator ignores `algorithm`
// and `digits` entirely), so they are fixed rather than configurable.
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD_SECONDS = 30;
const WINDOW_STEPS = 1;
/** RFC 4226 §4: a shared secret of at least 128 bits; we issue 160. */
const SECRET_BYTES = 20;
export const MIN_SECRET_BYTES = 16;

const CODE_PATTERN = new RegExp(`^\\d{${DIGITS}}$`);

export function newAuthenticatorSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The Key URI that apps read from the QR code; the issuer goes in both label and parameter, as apps expect. */
export function otpauthUri(options: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.account,
    secret: Secret.fromBase32(options.secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

export function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The RFC 6238 time step (T) that `time` falls in. */
export function timeStep(time: Date): number {
  return Math.floor(time.getTime() / 1000 / PERIOD_SECONDS);
}

/**
 * Which time step within ±1 of `now` the code belongs to, if any. Every candidate is computed and
 * compared in constant time, so the response time says nothing about which step (or how much of
 * the code) matched. Throws when `secret` is not base32: secrets come from us, so that is a bug.
 */
export function matchingStep(secret: string, code: string, now: Date): number | undefined {
  const token = cleanCode(code);
  if (!CODE_PATTERN.test(token)) return undefined;
  const key = Secret.fromBase32(secret);
  const given = Buffer.from(token);
  const current = timeStep(now);
  let matched: number | undefined;
  for (let step = current - WINDOW_STEPS; step <= current + WINDOW_STEPS; step++) {
    const expected = Buffer.from(
      HOTP.generate({ secret: key, algorithm: ALGORITHM, digits: DIGITS, counter: step }),
    );
    // When two steps share a code (one in a million), the later one is kept: recording it refuses
    // the same digits again for the whole window, which is what "accepted once" means to a user.
    if (timingSafeEqual(expected, given)) matched = step;
  }
  return matched;
}
