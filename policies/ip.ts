/**
 * IP addresses as integers: IPv4 a number below 2^32, IPv6 a bigint below 2^128. IPv4 is
 * parsed by hand (it runs on every request, and a dotted quad is simple); IPv6 by ipaddr.js,
 * whose grammar (compression, embedded quads, zones) is not worth rewriting. An IPv4-mapped
 * IPv6 address (`::ffff:10.1.2.3`, as Node reports peers on a dual-stack socket) is the IPv4
 * address, so one person is one network whichever way the socket reported them.
 */
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export type ParsedIp =
  { readonly family: 4; readonly value: number } | { readonly family: 6; readonly value: bigint };

export type ParsedCidr = ParsedIp & { readonly prefix: number };

const BITS = { 4: 32, 6: 128 } as const;
const MAPPED_IPV4_PREFIX = 96;
const OCTET = /^(0|[1-9]\d{0,2})$/;

/** The address as a family and an integer; undefined when the text is not an address. */
export function parseIp(text: string): ParsedIp | undefined {
  if (!text.includes(':')) {
    const value = parseIpv4(text);
    return value === undefined ? undefined : { family: 4, value };
  }
  const value = parseIpv6(text);
  if (value === undefined) return undefined;
  return isMapped(value) ? { family: 4, value: Number(value & 0xffffffffn) } : { family: 6, value };
}

/** The address in its canonical text (IPv4 dotted quad, IPv6 per RFC 5952); undefined when invalid. */
export function normalizeIp(text: string): string | undefined {
  const parsed = parseIp(text);
  return parsed === undefined ? undefined : formatIp(parsed);
}

/**
 * A network written as a CIDR block or a bare address (a /32 or /128). Host bits may be
 * set (`10.1.2.3/8` is `10.0.0.0/8`), as in most firewall configurations.
 */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [addressText = '', prefixText, extra] = text.split('/');
  if (extra !== undefined || addressText.includes('%')) return undefined;
  const address = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText);
  if (address === undefined) return undefined;
  const family = typeof address === 'number' ? 4 : 6;
  const prefix = prefixText === undefined ? BITS[family] : parsePrefix(prefixText, BITS[family]);
  if (prefix === undefined) return undefined;
  if (typeof address === 'number') return withPrefix({ family: 4, value: address }, prefix);
  // A mapped block such as ::ffff:10.0.0.0/104 means the IPv4 block, since peers are unmapped too.
  if (isMapped(address) && prefix >= MAPPED_IPV4_PREFIX) {
    return withPrefix({ family: 4, value: Number(address & 0xffffffffn) }, prefix - MAPPED_IPV4_PREFIX);
  }
  return withPrefix({ family: 6, value: address }, prefix);
}

/** The network an address belongs to, in canonical text such as `203.0.113.0/24` or `2001:db8:1:2::/64`. */
export function networkOf(ip: string, ipv4Prefix: number, ipv6Prefix: number): string {
  const parsed = parseIp(ip);
  if (parsed === undefined) throw new RangeError(`not an IP address: '${ip}'`);
  const prefix = parsed.family === 4 ? ipv4Prefix : ipv6Prefix;
  return `${formatIp(withPrefix(parsed, prefix))}/${prefix}`;
}

/** The address with its host bits cleared. */
export function withPrefix(address: ParsedIp, prefix: number): ParsedCidr {
  const hostBits = BITS[address.family] - prefix;
  if (address.family === 4) {
    return { family: 4, value: Math.floor(address.value / 2 ** hostBits) * 2 ** hostBits, prefix };
  }
  const shift = BigInt(hostBits);
  return { family: 6, value: (address.value >> shift) << shift, prefix };
}

export function formatIp(address: ParsedIp): string {
  if (address.family === 4) {
    const value = address.value;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
  }
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((address.value >> shift) & 0xffffn));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** Only the dotted quad: '10.1', '0x0a.0.0.1' or '010.0.0.1' are legal to inet_aton but surprising in a policy. */
function parseIpv4(text: string): number | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!OCTET.test(octet) || Number(octet) > 255) return undefined;
    value = value * 256 + Number(octet);
  }
  return value;
}

/** RFC 4291 text, with an optional zone id (fe80::1%eth0) that names an interface, not a network. */
function parseIpv6(text: string): bigint | undefined {
  let address: ipaddr.IPv6;
  try {
    // One parse that throws on bad input costs half of isValid() followed by parse().
    address = ipaddr.IPv6.parse(text);
  } catch {
    return undefined;
  }
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = address.parts;
  return (
    (BigInt(a * 0x10000 + b) << 96n) |
    (BigInt(c * 0x10000 + d) << 64n) |
    (BigInt(e * 0x10000 + f) << 32n) |
    BigInt(g * 0x10000 + h)
  );
}

function isMapped(value: bigint): boolean {
  return value >> 32n === 0xffffn;
}

function parsePrefix(text: string, bits: number): number | undefined {
  if (!/^(0|[1-9]\d{0,2})$/.test(text)) return undefined;
  const prefix = Number(text);
  return prefix <= bits ? prefix : undefined;
}
