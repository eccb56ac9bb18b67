import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone } from '../../../../gateway/factors/mask.js';

describe('maskPhone', () => {
  it.each([
    ['+14155550123', '+1 ••• ••• ••23'],
    ['+447700900123', '+44 •••• ••••23'],
    ['+447400123456', '+44 •••• ••••56'],
    ['+33612345678', '+33 • •• •• •• 78'],
    ['+79123456789', '+7 ••• ••• •• 89'],
  ])('masks %s as %s', (e164, masked) => {
    expect(maskPhone(e164)).toBe(masked);
  });

  it('masks all but the last two digits of a number it cannot parse', () => {
    expect(maskPhone('12345')).toBe('•••45');
    expect(maskPhone('not a number 9876')).toBe('not a number ••76');
    expect(maskPhone('7')).toBe('7');
  });

  it('never shows more than the calling code and two digits', () => {
    for (const e164 of ['+14155550123', '+447700900123', '+33612345678', '+999123456789']) {
      const digits = maskPhone(e164).replace(/\D/g, '');
      const callingCode = /^\+(\d{1,3}) /.exec(maskPhone(e164))?.[1] ?? '';
      expect(digits.length - callingCode.length, e164).toBeLessThanOrEqual(2);
    }
  });
});

describe('maskEmail', () => {
  it.each([
    ['alice@example.com', 'a•••@example.com'],
    ['a@example.com', 'a•••@example.com'],
    ['bob.smith+tag@mail.example.org', 'b•••@mail.example.org'],
    ['"a@b"@example.com', '"•••@example.com'],
    ['😀x@example.com', '😀•••@example.com'],
  ])('masks %s as %s', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });

  it('hides the length of the local part', () => {
    expect(maskEmail('al@example.com')).toBe(maskEmail('alexandra@example.com'));
  });

  it('copes with input that is not an address', () => {
    expect(maskEmail('@example.com')).toBe('•••@example.com');
    expect(maskEmail('alice')).toBe('a•••');
    expect(maskEmail('')).toBe('•••');
  });
});
