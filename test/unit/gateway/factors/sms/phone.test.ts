import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { checkMobileNumber } from '../../../../../gateway/factors/sms/phone.js';

const US_GB = ['US', 'GB'] as const;

describe('checkMobileNumber', () => {
  it('uses numbers the full metadata classifies as the tests assume', () => {
    // Guards the fixtures: if new metadata reclassifies one, the failures below would mislead.
    const types = Object.fromEntries(
      [
        '+14155550123',
        '+447400123456',
        '+442079460958',
        '+448001234567',
        '+449098765432',
        '+33612345678',
      ].map((number) => [number, parsePhoneNumberFromString(number)?.getType()]),
    );
    expect(types).toEqual({
      '+14155550123': 'FIXED_LINE_OR_MOBILE',
      '+447400123456': 'MOBILE',
      '+442079460958': 'FIXED_LINE',
      '+448001234567': 'TOLL_FREE',
      '+449098765432': 'PREMIUM_RATE',
      '+33612345678': 'MOBILE',
    });
  });

  it.each([
    ['+1 415 555 0123', '+14155550123', 'US'],
    ['+1 (415) 555-0123', '+14155550123', 'US'],
    ['+44 7400 123456', '+447400123456', 'GB'],
    ['  +447400123456 ', '+447400123456', 'GB'],
  ])('accepts %s in international format as %s', (input, e164, country) => {
    expect(checkMobileNumber(input, US_GB)).toEqual({ ok: true, e164, country });
  });

  it('reads national format as a number of the first allowed country', () => {
    expect(checkMobileNumber('(415) 555-0123', ['US'])).toEqual({
      ok: true,
      e164: '+14155550123',
      country: 'US',
    });
    expect(checkMobileNumber('07400 123456', ['GB', 'US'])).toEqual({
      ok: true,
      e164: '+447400123456',
      country: 'GB',
    });
    // The same digits read as a US number are not valid.
    expect(checkMobileNumber('07400 123456', ['US', 'GB'])).toMatchObject({
      ok: false,
      code: 'invalid_phone',
    });
  });

  it('accepts any country when the allowed list is empty, but then only international format', () => {
    expect(checkMobileNumber('+33 6 12 34 56 78', [])).toEqual({
      ok: true,
      e164: '+33612345678',
      country: 'FR',
    });
    expect(checkMobileNumber('06 12 34 56 78', [])).toMatchObject({ ok: false, code: 'invalid_phone' });
  });

  it.each(['+44 20 7946 0958', '+44 800 123 4567', '+44 909 876 5432', '+1 800 555 0199'])(
    'refuses %s, which cannot receive text messages',
    (input) => {
      expect(checkMobileNumber(input, US_GB)).toEqual({
        ok: false,
        code: 'not_mobile',
        message: 'That number is not a mobile number. Enter a number that can receive text messages.',
        type: expect.any(String),
      });
    },
  );

  it('refuses a mobile number from a country that is not allowed, naming it and the allowed ones', () => {
    expect(checkMobileNumber('+33 6 12 34 56 78', US_GB)).toEqual({
      ok: false,
      code: 'country_not_allowed',
      message: 'Mobile numbers from FR are not accepted here. Allowed: US, GB.',
    });
  });

  it('tells apart countries that share a calling code', () => {
    // +44 7911 is Guernsey and +1 242 the Bahamas: same calling codes as GB and the US, other countries.
    expect(checkMobileNumber('+44 7911 123456', US_GB)).toMatchObject({
      ok: false,
      code: 'country_not_allowed',
    });
    expect(checkMobileNumber('+1 242 359 1234', US_GB)).toMatchObject({
      ok: false,
      code: 'country_not_allowed',
    });
  });

  it('checks the country before the type', () => {
    expect(checkMobileNumber('+33 1 23 45 67 89', ['US'])).toMatchObject({ code: 'country_not_allowed' });
  });

  it('compares allowed countries without regard to case', () => {
    expect(checkMobileNumber('+44 7400 123456', ['gb'])).toMatchObject({ ok: true, country: 'GB' });
  });

  it.each([
    '',
    '   ',
    'garbage',
    '12',
    '+44 7400 1234567', // one digit too many
    '+44 7700 900123', // Ofcom's range for fiction: not a number anyone holds
    'call me on +44 7400 123456',
    '+1 415 555 0123 ext. 12', // a text message cannot reach an extension
    '+44 7400 123456;ext=1',
  ])('refuses %j as not a phone number, with an example to follow', (input) => {
    expect(checkMobileNumber(input, US_GB)).toEqual({
      ok: false,
      code: 'invalid_phone',
      message: 'Enter a mobile number in international format, such as +1 201 555 0123.',
    });
  });

  it('refuses overlong input without parsing it', () => {
    // Punctuation the parser skips: it would accept this, the length limit does not.
    const padded = '+44 - 7400 - 123 - 456 - - - - - - - - - -';
    expect(padded.length).toBeGreaterThan(32);
    expect(checkMobileNumber(padded, US_GB)).toMatchObject({ ok: false, code: 'invalid_phone' });
    expect(checkMobileNumber('+4'.padEnd(10_000, '4'), US_GB)).toMatchObject({
      ok: false,
      code: 'invalid_phone',
    });
  });

  it('gives an example from the first allowed country, or a GB one when any country is allowed', () => {
    expect(checkMobileNumber('nope', ['GB'])).toMatchObject({
      message: 'Enter a mobile number in international format, such as +44 7400 123456.',
    });
    expect(checkMobileNumber('nope', [])).toMatchObject({
      message: 'Enter a mobile number in international format, such as +44 7400 123456.',
    });
  });
});
