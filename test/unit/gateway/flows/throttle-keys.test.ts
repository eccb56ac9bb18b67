/** The keys the sign-in throttle counts under: one per person however they type, one per network. */
import { describe, expect, it } from 'vitest';
import { throttleName, throttleNetwork } from '../../../../gateway/flows/login/throttle.js';

describe('throttleName', () => {
  it.each([
    ['alice', 'alice'],
    ['  ALICE\t', 'alice'],
    ['ａｌｉｃｅ', 'alice'],
    ['al\u200bice', 'alice'],
    ['al\u00adice', 'alice'],
    ['\ufeffalice', 'alice'],
    ['Jean  Luc', 'jean luc'],
    ['STRASSE', 'strasse'],
    ['straße', 'strasse'],
    ['ﬁona', 'fiona'],
  ])('reads %j as %j', (typed, key) => {
    expect(throttleName(typed)).toBe(key);
  });

  it('keeps different names apart', () => {
    expect(throttleName('alice')).not.toBe(throttleName('alicia'));
    expect(throttleName('zoë')).not.toBe(throttleName('zoe'));
  });
});

describe('throttleNetwork', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7/32'],
    ['::ffff:203.0.113.7', '203.0.113.7/32'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::ffff', '2001:db8:1:2::/64'],
    ['', 'unknown'],
    ['not an address', 'unknown'],
  ])('groups %j as %j', (ip, network) => {
    expect(throttleNetwork(ip)).toBe(network);
  });
});
