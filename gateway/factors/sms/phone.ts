/**
 * Mobile numbers people submit for SMS codes (SPEC §1.4): valid, able to receive text messages,
 * from an allowed country, and kept in E.164. The full ("max") metadata is needed: the smaller
 * sets cannot tell a mobile number from a landline.
 */
import { getExampleNumber, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode, NumberType } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { t } from '../../i18n/index.js';

export type PhoneCheck =
  | { ok: true; e164: string; country: string }
  | {
      ok: false;
      code: 'invalid_phone' | 'not_mobile' | 'country_not_allowed';
      message: string;
      /** For `not_mobile`: the number's type, which the SMS-pumping guard may refuse in its own name. */
      type?: NumberType | undefined;
    };

/** The longest international number is 15 digits; this leaves room for spaces and punctuation. */
const MAX_INPUT_LENGTH = 32;

/** The region code libphonenumber gives numbers that belong to no country (+800, +882, ...). */
const NON_GEOGRAPHIC = '001';

/**
 * An example people can copy the shape of, from the first allowed country so it would itself be
 * accepted. The fixed fallback is a number libphonenumber counts as a valid GB mobile (the
 * Ofcom drama range +44 7700 900xxx is not valid in its metadata).
 */
function exampleNumber(defaultCountry: CountryCode | undefined): string {
  const example = defaultCountry ? getExampleNumber(defaultCountry, examples) : undefined;
  return example?.formatInternational() ?? '+44 7400 123456';
}

function supportedCountry(code: string | undefined): CountryCode | undefined {
  return code !== undefined && isSupportedCountry(code) ? code : undefined;
}

/**
 * Checks a number as typed. International format always works; national format works too, read
 * as a number of the first allowed country (so with one allowed country, people can type it as
 * they would dial it at home).
 */
export function checkMobileNumber(input: string, allowedCountries: readonly string[]): PhoneCheck {
  const allowed = allowedCountries.map((country) => country.trim().toUpperCase());
  const defaultCountry = supportedCountry(allowed[0]);
  const invalid: PhoneCheck = {
    ok: false,
    code: 'invalid_phone',
    message: t('error.invalid_phone', { example: exampleNumber(defaultCountry) }),
  };
  const text = input.trim();
  if (text === '' || text.length > MAX_INPUT_LENGTH) return invalid;

  // extract: false refuses text around the number instead of fishing a number out of it.
  const parsed = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  // A text message cannot reach an extension, and E.164 would silently drop it.
  if (!parsed?.isValid() || parsed.ext !== undefined) return invalid;

  const country = parsed.country ?? NON_GEOGRAPHIC;
  // Country before type: a number from a country we cannot send to is refused whatever it is.
  if (allowed.length > 0 && !allowed.includes(country)) {
    const values = { country, allowed: allowed.join(', ') };
    return {
      ok: false,
      code: 'country_not_allowed',
      message:
        country === NON_GEOGRAPHIC
          ? t('error.country_not_allowed.none', values)
          : t('error.country_not_allowed', values),
    };
  }

  // Some countries (the US, Canada) do not distinguish mobile from fixed-line numbers; those may
  // receive texts, so they are accepted and the SMS code proves it.
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    return {
      ok: false,
      code: 'not_mobile',
      message: t('error.not_mobile'),
      type,
    };
  }
  return { ok: true, e164: parsed.number, country };
}
