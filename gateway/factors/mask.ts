/**
 * Destinations as people see them on the challenge page and in notices (SPEC §4: destinations
 * masked): enough to recognise their own phone or mailbox, not enough to learn someone else's.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const MASK = '\u2022';
/** The last two digits, like card numbers on receipts: recognisable, not reusable. */
const VISIBLE_DIGITS = 2;

/** Masks every digit in `text` except the last `keep`, leaving spaces and punctuation where they are. */
function maskDigits(text: string, keep: number): string {
  let toMask = (text.match(/\d/g)?.length ?? 0) - keep;
  return text.replace(/\d/g, (digit) => (toMask-- > 0 ? MASK : digit));
}

/**
 * `+14155550123` -> `+1 ••• ••• ••23`: the country calling code stays (it tells which phone), the
 * rest keeps the grouping of the international format so the shape looks familiar.
 */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164, { extract: false });
  if (parsed) {
    const prefix = `+${parsed.countryCallingCode}`;
    const formatted = parsed.formatInternational();
    if (formatted.startsWith(prefix))
      return prefix + maskDigits(formatted.slice(prefix.length), VISIBLE_DIGITS);
  }
  // Without a recognisable number nothing is known to be safe to show but the usual last two digits.
  return maskDigits(e164, VISIBLE_DIGITS);
}

/**
 * `alice@example.com` -> `a•••@example.com`. The mask has a fixed length, so it does not reveal
 * how long the local part is; the domain stays, since it tells which mailbox to open.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at === -1 ? address : address.slice(0, at);
  const domain = at === -1 ? '' : address.slice(at);
  // Array.from splits by code point, so a first character outside the BMP is not cut in half.
  const first = Array.from(local)[0] ?? '';
  return `${first}${MASK.repeat(3)}${domain}`;
}
