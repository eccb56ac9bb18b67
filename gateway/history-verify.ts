/**
 * `stepgate admin history verify` (SPEC §5): walks the history in chain order and names the first
 * entry that was changed, removed or inserted. Shared by every store; each only reads its rows.
 */
import { setImmediate } from 'node:timers/promises';
import { errors } from './errors.js';
import type { HistoryChain } from './history-chain.js';
import type {
  HistoryBreak,
  HistoryChainPoint,
  HistoryChainState,
  HistoryVerification,
  StoredHistoryEntry,
} from './ports.js';

/** A place to continue from in (seq, id) order. */
export interface ChainCursor {
  seq: number;
  id: number;
}

/** What verification reads from a store. */
export interface HistoryChainReader {
  /** Undefined when the chain's record is missing. */
  chainState(): Promise<HistoryChainState | undefined>;
  /** Rows without a sequence number, lowest id first. */
  unsequencedHistory(limit: number): Promise<StoredHistoryEntry[]>;
  /** Rows with a sequence number after `after`, in (seq, id) order. */
  historyInChainOrder(after: ChainCursor, limit: number): Promise<StoredHistoryEntry[]>;
}

const BATCH = 1000;
/** Retention deleting from the start while we read looks like a removal; read again this often. */
const ATTEMPTS = 3;

type Sequenced = StoredHistoryEntry & { seq: number };

/** The walk along the chain, one entry at a time: the first problem is returned and ends it. */
class ChainWalk {
  checked = 0;
  beforeChain = 0;
  firstSeq: number | null = null;
  private expectedSeq: number;
  private expectedPrev: string | null;

  constructor(
    private readonly state: HistoryChainState,
    private readonly chain: HistoryChain,
  ) {
    const { anchor, startSeq } = state;
    this.expectedSeq = Math.max(anchor.seq, startSeq) + 1;
    // Retention past the start of the chain left the hash of the last entry it deleted.
    this.expectedPrev = anchor.seq >= startSeq ? anchor.hash : null;
  }

  get lastSeq(): number | null {
    return this.checked === 0 ? null : this.expectedSeq - 1;
  }

  next(entry: Sequenced): HistoryBreak | undefined {
    const { seq, id } = entry;
    const { anchor, head, startSeq } = this.state;
    const it = `entry seq ${seq} (id ${id})`;
    if (seq <= anchor.seq) {
      return inserted(entry, `${it} was inserted: retention deleted every entry up to seq ${anchor.seq}`);
    }
    if (seq <= startSeq) {
      this.beforeChain += 1;
      return undefined;
    }
    if (seq < this.expectedSeq) return inserted(entry, `entry id ${id} was inserted: seq ${seq} is taken`);
    if (seq > this.expectedSeq) return removed(this.expectedSeq, seq - 1);
    if (entry.hash === null || entry.keyId === null) {
      return {
        kind: 'unchained',
        seq,
        id,
        message: `${it} has no hash: it was written without a history key (STEPGATE_HISTORY_KEY), or its hash was removed`,
      };
    }
    const expected = this.chain.expectedHash({ ...entry, keyId: entry.keyId });
    if (expected === undefined) {
      return {
        kind: 'unknown_key',
        seq,
        id,
        message: `${it} was chained with history key ${entry.keyId}, which is neither STEPGATE_HISTORY_KEY nor one of STEPGATE_HISTORY_OLD_KEYS`,
      };
    }
    if (expected !== entry.hash) {
      // Past the newest entry the chain recorded, and not one of ours: added behind its back.
      if (seq > head.seq)
        return inserted(entry, `${it} was inserted after the newest entry (seq ${head.seq})`);
      return changed(entry, `${it} was changed: its hash does not match its content`);
    }
    if (entry.prevHash !== this.expectedPrev) {
      return changed(entry, `${it} does not follow the entry before it: its previous hash is another`);
    }
    if (seq === head.seq && entry.hash !== head.hash) {
      return changed(entry, `the chain's record of its newest entry (seq ${seq}) was changed`);
    }
    this.checked += 1;
    this.firstSeq ??= seq;
    this.expectedSeq += 1;
    this.expectedPrev = entry.hash;
    return undefined;
  }

  /** After the last entry: the newest ones the chain recorded must all have been there. */
  end(): HistoryBreak | undefined {
    const last = this.expectedSeq - 1;
    return last < this.state.head.seq ? removed(last + 1, this.state.head.seq) : undefined;
  }
}

function inserted(entry: StoredHistoryEntry, message: string): HistoryBreak {
  return { kind: 'inserted', seq: entry.seq, id: entry.id, message };
}

function changed(entry: StoredHistoryEntry, message: string): HistoryBreak {
  return { kind: 'changed', seq: entry.seq, id: entry.id, message };
}

function removed(from: number, to: number): HistoryBreak {
  const message = from === to ? `entry seq ${from} was removed` : `entries seq ${from} to ${to} were removed`;
  return { kind: 'removed', seq: from, id: null, message };
}

async function walk(
  reader: HistoryChainReader,
  chain: HistoryChain,
  state: HistoryChainState | undefined,
): Promise<HistoryVerification> {
  const anchor: HistoryChainPoint = state?.anchor ?? { seq: 0, hash: null };
  const result = (w: ChainWalk | undefined, broken: HistoryBreak | undefined): HistoryVerification => ({
    checked: w?.checked ?? 0,
    firstSeq: w?.firstSeq ?? null,
    lastSeq: w?.lastSeq ?? null,
    beforeChain: w?.beforeChain ?? 0,
    anchor,
    broken: broken ?? null,
  });
  if (state === undefined) {
    const message = "the chain's record (where it starts, resumes and ends) was removed";
    return result(undefined, { kind: 'removed', seq: null, id: null, message });
  }
  const [stray] = await reader.unsequencedHistory(1);
  if (stray !== undefined) {
    const message = `entry id ${stray.id} was inserted: it has no sequence number, so stepgate did not write it`;
    return result(undefined, { kind: 'inserted', seq: null, id: stray.id, message });
  }
  const chainWalk = new ChainWalk(state, chain);
  let cursor: ChainCursor = { seq: Number.MIN_SAFE_INTEGER, id: 0 };
  for (;;) {
    const batch = (await reader.historyInChainOrder(cursor, BATCH)) as Sequenced[];
    for (const entry of batch) {
      const broken = chainWalk.next(entry);
      if (broken) return result(chainWalk, broken);
    }
    const last = batch.at(-1);
    if (last === undefined || batch.length < BATCH) break;
    cursor = { seq: last.seq, id: last.id };
    // A long history is checked a batch at a time without holding up the requests being served.
    await setImmediate();
  }
  return result(chainWalk, chainWalk.end());
}

/** Checks the chain, as of its record when the walk starts; entries appended meanwhile are checked too. */
export async function verifyHistoryChain(
  reader: HistoryChainReader,
  chain: HistoryChain,
): Promise<HistoryVerification> {
  if (!chain.canVerify) throw errors.historyKeyMissing();
  for (let attempt = 1; ; attempt++) {
    const state = await reader.chainState();
    const verification = await walk(reader, chain, state);
    if (verification.broken === null || attempt === ATTEMPTS) return verification;
    const now = await reader.chainState();
    if (now?.anchor.seq === state?.anchor.seq) return verification;
  }
}
