import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { NetworkSet, networkOf, normalizeIp, parseCidr, parseIp } from '../../../policies/cidr.js';
import { randomSource } from './random.js';

describe('parseIp', () => {
  it('reads dotted quads and IPv6, and unmaps IPv4-mapped IPv6 as Node reports dual-stack peers', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203 });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ family: 4, value: 0x0a010203 });
    expect(parseIp('::FFFF:a01:203')).toEqual({ family: 4, value: 0x0a010203 });
    expect(parseIp('2001:db8::1')).toEqual({ family: 6, value: (0x20010db8n << 96n) | 1n });
  });

  it.each(['', '10.1', '010.1.2.3', '1.2.3.256', ' 1.2.3.4', '[::1]', '1:2:3:4:5:6:7:8:9', 'localhost'])(
    'refuses %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );

  it('normalizes to the canonical text', () => {
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('nonsense')).toBeUndefined();
  });
});

describe('parseIp against ipaddr.js', () => {
  it('accepts exactly the dotted quads ipaddr.js accepts, with the same value', () => {
    const random = randomSource(4);
    const pieces = [
      '0',
      '1',
      '9',
      '10',
      '99',
      '100',
      '199',
      '255',
      '256',
      '300',
      '01',
      '00',
      '',
      'a',
      '-1',
      ' 1',
    ];
    for (let i = 0; i < 5_000; i += 1) {
      const count = random() < 0.9 ? 4 : 3 + Math.floor(random() * 3);
      const text = Array.from({ length: count }, () => pieces[Math.floor(random() * pieces.length)]).join(
        '.',
      );
      const valid = ipaddr.IPv4.isValidFourPartDecimal(text);
      expect(parseIp(text) !== undefined, text).toBe(valid);
      if (valid) expect(normalizeIp(text), text).toBe(ipaddr.IPv4.parse(text).toString());
    }
  });
});

describe('parseCidr', () => {
  it('takes bare addresses as /32 and /128 and clears host bits', () => {
    expect(parseCidr('192.0.2.7')).toEqual({ family: 4, value: 0xc0000207, prefix: 32 });
    expect(parseCidr('2001:db8::1')).toMatchObject({ family: 6, prefix: 128 });
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, value: 0x0a000000, prefix: 8 });
  });

  it('reads an IPv4-mapped block as the IPv4 block', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ family: 4, value: 0x0a000000, prefix: 8 });
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/08', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0/8', 'x/8'])(
    'refuses %j',
    (text) => expect(parseCidr(text)).toBeUndefined(),
  );
});

describe('networkOf', () => {
  it('groups IPv4 by the IPv4 prefix and IPv6 by the IPv6 prefix', () => {
    expect(networkOf('203.0.113.7', 32, 64)).toBe('203.0.113.7/32');
    expect(networkOf('203.0.113.7', 24, 64)).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 32, 64)).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:DB8:1:2::1', 32, 48)).toBe('2001:db8:1::/48');
    expect(networkOf('2001:db8::1', 32, 128)).toBe('2001:db8::1/128');
  });

  it('remembers an IPv4-mapped peer as its IPv4 network, so both forms are one network', () => {
    expect(networkOf('::ffff:203.0.113.7', 32, 64)).toBe('203.0.113.7/32');
  });

  it('refuses what is not an address', () => {
    expect(() => networkOf('not-an-ip', 32, 64)).toThrow(RangeError);
  });
});

describe('NetworkSet', () => {
  it('matches v4 and v6 members, mapped addresses, and nothing that is not an address', () => {
    const set = new NetworkSet(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    expect(set.has('10.255.255.255')).toBe(true);
    expect(set.has('11.0.0.0')).toBe(false);
    expect(set.has('192.0.2.7')).toBe(true);
    expect(set.has('192.0.2.8')).toBe(false);
    expect(set.has('::ffff:10.9.9.9')).toBe(true);
    expect(set.has('2001:db8:ffff::1')).toBe(true);
    expect(set.has('2001:db9::1')).toBe(false);
    expect(set.has('garbage')).toBe(false);
    expect(set.has('')).toBe(false);
  });

  it('an empty set holds nothing, and /0 holds every address of its family only', () => {
    expect(new NetworkSet().has('10.0.0.1')).toBe(false);
    const everyV4 = new NetworkSet(['0.0.0.0/0']);
    expect(everyV4.has('255.255.255.255')).toBe(true);
    expect(everyV4.has('::1')).toBe(false);
  });

  it('refuses an entry that is not a network, naming it', () => {
    expect(() => new NetworkSet(['10.0.0.0/8', '10.1'])).toThrow(/'10\.1'/);
  });

  it('agrees with a linear scan over 5,000 random IPv4 and 5,000 random IPv6 networks', () => {
    const random = randomSource(0x5eed);
    const v4 = Array.from({ length: 5_000 }, () => randomV4Network(random));
    const v6 = Array.from({ length: 5_000 }, () => randomV6Network(random));
    const set = new NetworkSet([...v4, ...v6]);
    const v4Ranges = v4.map(toRange);
    const v6Ranges = v6.map(toRange);

    const outcomes = { v4Hits: 0, v4Misses: 0, v6Hits: 0, v6Misses: 0 };
    for (const ip of probes(random, v4, 4)) {
      const address = ipaddr.IPv4.parse(ip);
      const expected = v4Ranges.some((range) => address.match(range));
      expect(set.has(ip), ip).toBe(expected);
      expect(set.has(`::ffff:${ip}`), `::ffff:${ip}`).toBe(expected);
      if (expected) outcomes.v4Hits += 1;
      else outcomes.v4Misses += 1;
    }
    for (const ip of probes(random, v6, 6)) {
      const address = ipaddr.IPv6.parse(ip);
      const expected = v6Ranges.some((range) => address.match(range));
      expect(set.has(ip), ip).toBe(expected);
      if (expected) outcomes.v6Hits += 1;
      else outcomes.v6Misses += 1;
    }
    // Both outcomes must be well represented in each family or the comparison proves little.
    for (const count of Object.values(outcomes)) expect(count).toBeGreaterThan(200);
  });
});

type Random = () => number;

function randomV4Network(random: Random): string {
  const address = Array.from({ length: 4 }, () => Math.floor(random() * 256)).join('.');
  // Some bare addresses, some with host bits set, as admins write them.
  if (random() < 0.1) return address;
  return `${address}/${12 + Math.floor(random() * 21)}`;
}

function randomV6Network(random: Random): string {
  const address = Array.from({ length: 8 }, () => Math.floor(random() * 0x10000).toString(16)).join(':');
  if (random() < 0.1) return address;
  return `${address}/${16 + Math.floor(random() * 113)}`;
}

function toRange(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), cidr.includes(':') ? 128 : 32];
}

/** Addresses at and just beyond the edges of some networks, inside some, and anywhere. */
function probes(random: Random, networks: readonly string[], family: 4 | 6): string[] {
  const result: string[] = [];
  for (let i = 0; i < 150; i += 1) {
    const network = networks[Math.floor(random() * networks.length)] ?? '';
    const [address, prefix] = toRange(network);
    const bits = family === 4 ? 32 : 128;
    const hostBits = BigInt(bits - prefix);
    const first = (toBigInt(address) >> hostBits) << hostBits;
    const last = first + (1n << hostBits) - 1n;
    const inside = first + (BigInt(Math.floor(random() * 2 ** 30)) % (1n << hostBits));
    for (const value of [first - 1n, first, inside, last, last + 1n]) {
      if (value >= 0n && value < 1n << BigInt(bits)) result.push(fromBigInt(value, family));
    }
    result.push(fromBigInt(BigInt(Math.floor(random() * 2 ** 32)) << BigInt(bits - 32), family));
  }
  return result;
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return address.toByteArray().reduce((total, byte) => (total << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, family: 4 | 6): string {
  const length = family === 4 ? 4 : 16;
  const bytes = Array.from({ length }, (_, index) =>
    Number((value >> BigInt(8 * (length - 1 - index))) & 0xffn),
  );
  return ipaddr.fromByteArray(bytes).toString();
}
