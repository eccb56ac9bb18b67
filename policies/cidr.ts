/**
 * Membership in thousands of networks as a handful of hash lookups: one set of network keys
 * per distinct prefix length, the key being the address shifted right by the host bits.
 * Real policies use few prefix lengths (/8, /16, /24, /32; /32, /48, /56, /64, /128), so a
 * lookup is a few probes whatever the number of networks.
 */
import { parseCidr, parseIp } from './ip.js';

export { formatIp, networkOf, normalizeIp, parseCidr, parseIp } from './ip.js';
export type { IpFamily, ParsedCidr, ParsedIp } from './ip.js';

interface Bucket<K, S> {
  readonly shift: S;
  readonly keys: Set<K>;
}

/** A set of networks answering "is this address in any of them?" in time independent of the set's size. */
export class NetworkSet {
  readonly #v4: Bucket<number, number>[] = [];
  readonly #v6: Bucket<bigint, bigint>[] = [];
  #size = 0;

  /** Throws a RangeError naming the first entry that is not a CIDR block or address. */
  constructor(cidrs: Iterable<string> = []) {
    for (const cidr of cidrs) this.add(cidr);
  }

  /** Distinct networks held. */
  get size(): number {
    return this.#size;
  }

  add(cidr: string): void {
    const network = parseCidr(cidr);
    if (network === undefined) throw new RangeError(`not a CIDR block or IP address: '${cidr}'`);
    if (network.family === 4) {
      const shift = 32 - network.prefix;
      this.#insert(bucket(this.#v4, shift).keys, v4Key(network.value, shift));
    } else {
      const shift = BigInt(128 - network.prefix);
      this.#insert(bucket(this.#v6, shift).keys, network.value >> shift);
    }
  }

  /** False for anything that is not an IP address, so a malformed peer is never "trusted". */
  has(ip: string): boolean {
    const address = parseIp(ip);
    if (address === undefined) return false;
    if (address.family === 4) {
      for (const { shift, keys } of this.#v4) if (keys.has(v4Key(address.value, shift))) return true;
      return false;
    }
    for (const { shift, keys } of this.#v6) if (keys.has(address.value >> shift)) return true;
    return false;
  }

  #insert<K>(keys: Set<K>, key: K): void {
    if (keys.has(key)) return;
    keys.add(key);
    this.#size += 1;
  }
}

function bucket<K, S>(buckets: Bucket<K, S>[], shift: S): Bucket<K, S> {
  let found = buckets.find((candidate) => candidate.shift === shift);
  if (found === undefined) {
    found = { shift, keys: new Set<K>() };
    buckets.push(found);
  }
  return found;
}

// `>>>` by 32 is a shift by 0 in JavaScript, hence the /0 case; `| 0` keeps keys small integers.
function v4Key(value: number, shift: number): number {
  return shift === 32 ? 0 : (value >>> shift) | 0;
}
