import { describe, expect, it } from 'vitest';
import { HOTP, Secret, TOTP, URI } from 'otpauth';
import { MemoryStore } from '../../../../adapters/memory/store.js';
import {
  AuthenticatorFactor,
  authenticatorCredential,
} from '../../../../gateway/factors/authenticator/index.js';
import {
  matchingStep,
  newAuthenticatorSecret,
  otpauthUri,
  qrCodeSvg,
  timeStep,
} from '../../../../gateway/factors/authenticator/totp.js';
import { TestClock } from '../../../helpers/clock.js';

/** A fixed secret (20 bytes), so which steps share a code never changes between runs. */
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const OTHER_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const STEP_MS = 30_000;

/** What an authenticator app shows for `step`, computed by otpauth, independently of the code under test. */
function appCode(secret: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, counter: step });
}

function setup() {
  const clock = new TestClock();
  const store = new MemoryStore();
  const factor = new AuthenticatorFactor({ store, clock });
  const now = () => timeStep(clock.now());
  return { clock, store, factor, now };
}

async function enrolled() {
  const context = setup();
  expect(await context.factor.enroll('alice', SECRET, appCode(SECRET, context.now()))).toBe(true);
  // Move on a step, so the enrollment code is out of the way of the codes a test enters next.
  context.clock.advance(STEP_MS);
  return context;
}

const alice = { user: 'alice' };

describe('RFC 6238 Appendix B (SHA-1)', () => {
  const seed = Secret.fromLatin1('12345678901234567890');
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];

  it.each(vectors)(
    'at %i s the 8-digit code is %s, and the 6-digit code its last six digits',
    (seconds, value) => {
      const at = { secret: seed, algorithm: 'SHA1', period: 30, timestamp: seconds * 1000 };
      expect(TOTP.generate({ ...at, digits: 8 })).toBe(value);
      expect(TOTP.generate({ ...at, digits: 6 })).toBe(value.slice(-6));
    },
  );

  it.each(vectors)(
    'at %i s matchingStep finds the 6-digit code of %s in the current step',
    (seconds, value) => {
      const now = new Date(seconds * 1000);
      expect(matchingStep(seed.base32, value.slice(-6), now)).toBe(Math.floor(seconds / 30));
      expect(timeStep(now)).toBe(Math.floor(seconds / 30));
    },
  );
});

describe('matchingStep', () => {
  const now = new Date('2026-01-15T09:00:10Z');
  const current = timeStep(now);

  it('accepts the codes of the current step and one step either side', () => {
    for (const step of [current - 1, current, current + 1]) {
      expect(matchingStep(SECRET, appCode(SECRET, step), now)).toBe(step);
    }
  });

  it('refuses codes two steps or more away', () => {
    for (const step of [current - 3, current - 2, current + 2, current + 3]) {
      expect(matchingStep(SECRET, appCode(SECRET, step), now)).toBeUndefined();
    }
  });

  it('works at the edges of a step', () => {
    const start = new Date(current * STEP_MS);
    const end = new Date(current * STEP_MS + STEP_MS - 1);
    expect(matchingStep(SECRET, appCode(SECRET, current - 1), start)).toBe(current - 1);
    expect(matchingStep(SECRET, appCode(SECRET, current - 1), end)).toBe(current - 1);
    expect(matchingStep(SECRET, appCode(SECRET, current + 2), end)).toBeUndefined();
  });

  it('accepts a code typed with spaces', () => {
    const code = appCode(SECRET, current);
    expect(matchingStep(SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(current);
    expect(matchingStep(SECRET, ` ${code}\n`, now)).toBe(current);
  });

  it('refuses anything that is not six digits', () => {
    const code = appCode(SECRET, current);
    const eight = HOTP.generate({ secret: Secret.fromBase32(SECRET), digits: 8, counter: current });
    for (const input of [
      '',
      code.slice(0, 5),
      `${code}0`,
      `0${code}`,
      eight,
      'abcdef',
      `${code.slice(0, 5)}x`,
    ]) {
      expect(matchingStep(SECRET, input, now), input).toBeUndefined();
    }
  });

  it('when two steps in the window share a code, answers the later one', () => {
    // Found by search: under SECRET these adjacent steps both show 212317.
    const [earlier, later] = [59141676, 59141677];
    expect(appCode(SECRET, earlier)).toBe(appCode(SECRET, later));
    expect(matchingStep(SECRET, appCode(SECRET, earlier), new Date(earlier * STEP_MS))).toBe(later);
  });

  it('does not accept the code of another secret', () => {
    expect(matchingStep(OTHER_SECRET, appCode(SECRET, current), now)).toBeUndefined();
    expect(matchingStep(SECRET, appCode(OTHER_SECRET, current), now)).toBeUndefined();
  });
});

describe('AuthenticatorFactor.verify', () => {
  it('answers no_code when the user has no authenticator', async () => {
    const { factor, now } = setup();
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: false, reason: 'no_code' });
  });

  it('accepts the current code and refuses a wrong one', async () => {
    const { factor, now } = await enrolled();
    const right = appCode(SECRET, now());
    const wrong = right === '000000' ? '000001' : '000000';
    expect(await factor.verify(alice, wrong)).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factor.verify(alice, right)).toEqual({ ok: true });
  });

  it('accepts a code once: the same code again is refused', async () => {
    const { factor, now } = await enrolled();
    const code = appCode(SECRET, now());
    expect(await factor.verify(alice, code)).toEqual({ ok: true });
    expect(await factor.verify(alice, code)).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('refuses an older code, still inside the window, once a newer one was used', async () => {
    const { factor, now } = await enrolled();
    expect(await factor.verify(alice, appCode(SECRET, now() + 1))).toEqual({ ok: true });
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factor.verify(alice, appCode(SECRET, now() - 1))).toEqual({
      ok: false,
      reason: 'invalid_code',
    });
  });

  it('accepts the next code after the step moves on', async () => {
    const { factor, clock, now } = await enrolled();
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: true });
    clock.advance(STEP_MS);
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: true });
  });

  it('refuses a code that has aged out of the window', async () => {
    const { factor, clock, now } = await enrolled();
    const code = appCode(SECRET, now());
    clock.advance(2 * STEP_MS);
    expect(await factor.verify(alice, code)).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('accepts a code shared by two adjacent steps once, not once per step', async () => {
    const { factor, store, clock } = setup();
    const step = 59141676; // shares its code with the next step (see matchingStep above)
    clock.advance(step * STEP_MS - clock.now().getTime());
    await store.saveCredential(
      authenticatorCredential({ user: 'alice', secret: SECRET, createdAt: clock.now(), lastUsedStep: null }),
    );
    const code = appCode(SECRET, step);
    expect(await factor.verify(alice, code)).toEqual({ ok: true });
    // Two steps on, the code is still in the window as the code of the later step.
    for (let i = 0; i < 2; i++) {
      clock.advance(STEP_MS);
      expect(await factor.verify(alice, code)).toEqual({ ok: false, reason: 'invalid_code' });
    }
  });

  it('lets only one of two simultaneous requests with the same code through', async () => {
    const { factor, now } = await enrolled();
    const code = appCode(SECRET, now());
    const results = await Promise.all([factor.verify(alice, code), factor.verify(alice, code)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('uses the secret of the user being challenged', async () => {
    const { factor, now } = await enrolled();
    expect(await factor.verify({ user: 'bob' }, appCode(SECRET, now()))).toEqual({
      ok: false,
      reason: 'no_code',
    });
  });
});

describe('AuthenticatorFactor.enroll', () => {
  it('saves nothing when the code is wrong', async () => {
    const { factor, store, now } = setup();
    const right = appCode(SECRET, now());
    const wrong = right === '999999' ? '999998' : '999999';
    expect(await factor.enroll('alice', SECRET, wrong)).toBe(false);
    expect(await factor.enroll('alice', SECRET, appCode(SECRET, now() + 2))).toBe(false);
    expect(await store.listCredentials('alice')).toEqual([]);
  });

  it('saves the secret when the code is right, recording the step of that code', async () => {
    const { factor, store, clock, now } = setup();
    const code = appCode(SECRET, now());
    expect(await factor.enroll('alice', SECRET, code)).toBe(true);
    expect(await store.listCredentials('alice')).toEqual([
      {
        id: expect.any(String),
        user: 'alice',
        type: 'authenticator',
        name: null,
        data: SECRET,
        createdAt: clock.now(),
        lastUsedAt: null,
        counter: now(),
      },
    ]);
    // The code that proved the app cannot also answer a challenge.
    expect(await factor.verify(alice, code)).toEqual({ ok: false, reason: 'invalid_code' });
    clock.advance(STEP_MS);
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: true });
  });

  it('replaces an earlier authenticator: the old app stops working', async () => {
    const { factor, store, clock, now } = await enrolled();
    const replacement = OTHER_SECRET;
    expect(await factor.enroll('alice', replacement, appCode(replacement, now()))).toBe(true);
    clock.advance(STEP_MS);
    expect(await factor.verify(alice, appCode(SECRET, now()))).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factor.verify(alice, appCode(replacement, now()))).toEqual({ ok: true });
    expect((await store.listCredentials('alice')).map((app) => app.data)).toEqual([replacement]);
  });

  it('refuses a secret too short to be safe', async () => {
    const { factor, now } = setup();
    const short = new Secret({ size: 10 }).base32;
    await expect(factor.enroll('alice', short, appCode(short, now()))).rejects.toThrow(/at least 16 bytes/);
  });
});

describe('enrollment material', () => {
  it('makes a new 20-byte base32 secret each time', () => {
    const secret = newAuthenticatorSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(newAuthenticatorSecret()).not.toBe(secret);
  });

  it('writes an otpauth URI with issuer, account, SHA1, 6 digits and a 30 s period', () => {
    const uri = otpauthUri({ secret: SECRET, issuer: 'Example Org', account: 'alice@example.com' });
    expect(uri).toMatch(/^otpauth:\/\/totp\/Example%20Org:alice%40example\.com\?/);
    const params = new URL(uri).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      issuer: 'Example Org',
      secret: SECRET,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    const parsed = URI.parse(uri);
    expect(parsed).toBeInstanceOf(TOTP);
    expect(parsed).toMatchObject({
      issuer: 'Example Org',
      label: 'alice@example.com',
      digits: 6,
      period: 30,
    });
  });

  it('draws the URI as an SVG QR code', async () => {
    const svg = await qrCodeSvg(otpauthUri({ secret: SECRET, issuer: 'Example Org', account: 'alice' }));
    expect(svg).toMatch(/^<svg[\s>]/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  });
});
