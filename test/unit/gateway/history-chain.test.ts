/**
 * The chain's canonical form and keys (docs/history.md): the worked example the document gives
 * auditors is what the code computes, and retention's cut only ever takes from the start.
 */
import { describe, expect, it } from 'vitest';
import { verificationRecord } from '../../../gateway/admin/history-export.js';
import { canonicalForm, HistoryChain, HistoryKey, retentionCut } from '../../../gateway/history-chain.js';
import type { HistoryChainState, HistoryEntry } from '../../../gateway/ports.js';

/** The documented key: bytes 00 to 1f. */
const KEY = new HistoryKey(Buffer.from('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', 'base64'));

const ENTRY: HistoryEntry = {
  time: new Date('2026-01-15T09:00:00.000Z'),
  user: 'alice',
  method: 'sms',
  status: 'Succeeded',
  triggeredBy: 'NewNetwork',
  sourceIp: '203.0.113.7',
  login: 'direct',
  entryPoint: 'standard',
  userAgent: 'Mozilla/5.0',
  detail: null,
};

describe('the canonical form', () => {
  it('is the worked example of docs/history.md, hash included', () => {
    expect(KEY.id).toBe('8f39de3d');
    expect(canonicalForm(ENTRY, { seq: 42, keyId: KEY.id, prevHash: null })).toBe(
      '["stepgate-history-v1",42,"8f39de3d",null,"2026-01-15T09:00:00.000Z","alice","sms","Succeeded","NewNetwork","203.0.113.7","direct","standard","Mozilla/5.0",null]',
    );
    expect(new HistoryChain(KEY).link(ENTRY, { seq: 41, hash: null })).toEqual({
      seq: 42,
      keyId: '8f39de3d',
      prevHash: null,
      hash: '8dba18a6bbce51a21e36b4dffa5e58b54abb08c622d978be8ff97c68876c1d11',
    });
  });

  it('covers every field, the place in the chain and the previous hash', () => {
    const chain = new HistoryChain(KEY);
    const head = { seq: 7, hash: 'a'.repeat(64) };
    const hash = chain.link(ENTRY, head).hash;
    const variants: [HistoryEntry, typeof head][] = [
      [{ ...ENTRY, detail: 'x' }, head],
      [{ ...ENTRY, time: new Date(ENTRY.time.getTime() + 1) }, head],
      [{ ...ENTRY, userAgent: null }, head],
      [ENTRY, { seq: 8, hash: head.hash }],
      [ENTRY, { seq: 7, hash: 'b'.repeat(64) }],
    ];
    for (const [entry, before] of variants) expect(chain.link(entry, before).hash).not.toBe(hash);
  });
});

describe('HistoryChain', () => {
  it('numbers entries without a key but hashes nothing, and cannot check', () => {
    const chain = HistoryChain.unkeyed();
    expect(chain.link(ENTRY, { seq: 3, hash: 'f'.repeat(64) })).toEqual({
      seq: 4,
      keyId: null,
      prevHash: 'f'.repeat(64),
      hash: null,
    });
    expect(chain.canVerify).toBe(false);
  });

  it('checks an entry by the key it names: the current one or an old one, and no other', () => {
    const old = new HistoryKey(Buffer.alloc(32, 1));
    const other = new HistoryKey(Buffer.alloc(32, 2));
    const link = new HistoryChain(old).link(ENTRY, { seq: 0, hash: null });
    const stored = { ...ENTRY, ...link, id: 1, keyId: old.id };
    expect(new HistoryChain(KEY, [old]).expectedHash(stored)).toBe(link.hash);
    expect(new HistoryChain(KEY, [other]).expectedHash(stored)).toBeUndefined();
    expect(() => new HistoryKey(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('retentionCut', () => {
  const state = (anchor: number, head: number): HistoryChainState => ({
    startSeq: 0,
    anchor: { seq: anchor, hash: null },
    head: { seq: head, hash: null },
  });

  it('takes everything before the first entry kept, or all when none is', () => {
    expect(retentionCut(state(0, 10), 4)).toBe(3);
    expect(retentionCut(state(0, 10), null)).toBe(10);
  });

  it('takes nothing new when the first kept entry follows the anchor', () => {
    expect(retentionCut(state(3, 10), 4)).toBeUndefined();
    expect(retentionCut(state(10, 10), null)).toBeUndefined();
  });
});

describe('verificationRecord', () => {
  it('says ok, or which entry broke the chain and how', () => {
    const base = { checked: 2, firstSeq: 1, lastSeq: 2, beforeChain: 0, anchor: { seq: 0, hash: null } };
    expect(verificationRecord({ ...base, broken: null })).toEqual({
      ok: true,
      checked: 2,
      first_seq: 1,
      last_seq: 2,
      before_chain: 0,
      anchor: { seq: 0, hash: null },
      broken: null,
    });
    const broken = { kind: 'removed' as const, seq: 3, id: null, message: 'entry seq 3 was removed' };
    expect(verificationRecord({ ...base, broken })).toMatchObject({ ok: false, broken });
  });
});
