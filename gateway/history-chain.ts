/**
 * The verification history's hash chain (SPEC §5, docs/history.md). Every entry carries its place
 * in the chain (`seq`), the hash of the entry before it, and an HMAC-SHA256 over both and its own
 * fields, keyed with the history key. Whoever can write the database but does not hold the key
 * cannot change, remove or insert an entry without `stepgate admin history verify` naming it.
 *
 * The key is its own (STEPGATE_HISTORY_KEY), not derived from store.encryption_key or the session
 * secret: an auditor who checks an export needs it, and should not thereby be able to open phone
 * numbers or forge sessions; rotating the encryption key leaves the history as it is.
 */
import { createHmac } from 'node:crypto';
import type {
  HistoryChainPoint,
  HistoryChainState,
  HistoryEntry,
  HistoryLink,
  StoredHistoryEntry,
} from './ports.js';

/** The first element of every canonical form: a new form would get a new name. */
export const CANONICAL_FORM_NAME = 'stepgate-history-v1';

export const HISTORY_KEY_BYTES = 32;

/** One history key: 32 random bytes, used only to key this chain's HMACs. */
export class HistoryKey {
  /** Eight hex digits that name the key in every entry it chained; they reveal nothing of it. */
  readonly id: string;

  constructor(private readonly material: Buffer) {
    if (material.length !== HISTORY_KEY_BYTES) {
      throw new RangeError(`a history key must be ${HISTORY_KEY_BYTES} bytes`);
    }
    this.id = this.mac('stepgate history key id').slice(0, 8);
  }

  mac(text: string): string {
    return createHmac('sha256', this.material).update(text, 'utf8').digest('hex');
  }
}

/**
 * What is hashed, written so an auditor can rebuild it from an export (docs/history.md): the JSON
 * text, without spaces, of the form's name, the link and the entry's fields in export order, with
 * the time as the export writes it (ISO 8601, UTC, milliseconds).
 */
export function canonicalForm(
  entry: HistoryEntry,
  link: { seq: number; keyId: string; prevHash: string | null },
) {
  return JSON.stringify([
    CANONICAL_FORM_NAME,
    link.seq,
    link.keyId,
    link.prevHash,
    entry.time.toISOString(),
    entry.user,
    entry.method,
    entry.status,
    entry.triggeredBy,
    entry.sourceIp,
    entry.login,
    entry.entryPoint,
    entry.userAgent,
    entry.detail,
  ]);
}

/**
 * The keys a store chains and checks with: the current one writes, and it and the earlier ones
 * (STEPGATE_HISTORY_OLD_KEYS) check, each entry by the key id it names. Without a current key,
 * entries are still numbered but carry no hash, and `verify` names the first of them.
 */
export class HistoryChain {
  private readonly keys = new Map<string, HistoryKey>();

  constructor(
    readonly current: HistoryKey | undefined,
    previous: readonly HistoryKey[] = [],
  ) {
    for (const key of [...previous, ...(current ? [current] : [])]) this.keys.set(key.id, key);
  }

  static unkeyed(): HistoryChain {
    return new HistoryChain(undefined);
  }

  /** True when some key can check entries. */
  get canVerify(): boolean {
    return this.keys.size > 0;
  }

  /** The link of `entry` written after `head`, the newest entry so far. */
  link(entry: HistoryEntry, head: HistoryChainPoint): HistoryLink & { seq: number } {
    const seq = head.seq + 1;
    const prevHash = head.hash;
    if (this.current === undefined) return { seq, keyId: null, prevHash, hash: null };
    const keyId = this.current.id;
    return { seq, keyId, prevHash, hash: this.current.mac(canonicalForm(entry, { seq, keyId, prevHash })) };
  }

  /** The hash `entry` should carry, or undefined when no key given has the id it names. */
  expectedHash(entry: StoredHistoryEntry & { seq: number; keyId: string }): string | undefined {
    return this.keys.get(entry.keyId)?.mac(canonicalForm(entry, entry));
  }
}

/**
 * How far retention may delete: every entry before `firstKeptSeq` (the first at or after its time,
 * in chain order), or all up to the newest when none is kept. Undefined when that deletes nothing
 * new. Only ever from the start, so a gap in the middle is never retention's doing.
 */
export function retentionCut(state: HistoryChainState, firstKeptSeq: number | null): number | undefined {
  const last = firstKeptSeq === null ? state.head.seq : firstKeptSeq - 1;
  return last > state.anchor.seq ? last : undefined;
}
