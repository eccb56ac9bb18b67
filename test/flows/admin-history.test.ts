/**
 * The verification history through the admin API (SPEC §5): newest first, paged, as JSON or CSV,
 * pruned after `store.history_retention`; and every help-desk action written into it.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory/store.js';
import { silentLogger } from '../../bin/logger.js';
import { AdminService } from '../../gateway/admin/service.js';
import { keepHistory } from '../../gateway/admin/retention.js';
import { CodeHasher } from '../../gateway/factors/codes.js';
import { HistoryChain, HistoryKey } from '../../gateway/history-chain.js';
import type { HistoryEntry } from '../../gateway/ports.js';
import { compilePolicy } from '../../policies/compile.js';
import { defaultPolicy } from '../../policies/default.js';
import {
  BASE,
  DAY,
  EMAIL_OPTION,
  MINUTE,
  NO_PROMPT,
  TEST_SESSION_SECRET,
  confirmBy,
  flowGateway,
  jsonAgent,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import { OpenApiContract } from '../helpers/openapi.js';

const ADMIN_TOKEN = 'admin-token-for-the-history-flow-tests-00000001';
const API = `${BASE}/admin/v1`;
/** The answers of the history check are held to the document. */
const contract = await OpenApiContract.load(new URL('../../docs/admin-api.yaml', import.meta.url), BASE);

async function gateway(): Promise<FlowGateway> {
  return flowGateway({
    policy: NO_PROMPT,
    config: {
      admin: { api_tokens: [{ name: 'servicedesk', token: ADMIN_TOKEN, scopes: ['admin'] }] },
      server: { trusted_proxies: ['127.0.0.1/32'] },
    },
  });
}

function get(gw: FlowGateway, path: string) {
  return request(gw.app).get(`${API}${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
}

function call(gw: FlowGateway, method: 'post' | 'put' | 'delete', path: string, from = '192.0.2.10') {
  const agent = request(gw.app);
  const url = `${API}${path}`;
  const test = method === 'post' ? agent.post(url) : method === 'put' ? agent.put(url) : agent.delete(url);
  return test.set('Authorization', `Bearer ${ADMIN_TOKEN}`).set('X-Forwarded-For', from);
}

function entry(gw: FlowGateway, fields: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    time: gw.clock.now(),
    user: 'alice',
    method: 'email',
    status: 'Succeeded',
    triggeredBy: 'NewNetwork',
    sourceIp: '203.0.113.7',
    login: 'direct',
    entryPoint: 'standard',
    userAgent: 'test',
    detail: null,
    ...fields,
  };
}

/** Twelve entries for alice a minute apart, detail 'n1' (oldest) to 'n12' (newest). */
async function twelveEntries(gw: FlowGateway): Promise<void> {
  for (let n = 1; n <= 12; n++) {
    await gw.store.appendHistory(entry(gw, { detail: `n${n}` }));
    gw.clock.advance(MINUTE);
  }
}

/** A small RFC 4180 reader, to check the CSV the way a spreadsheet would read it. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

describe('history through the admin API', () => {
  it('pages newest first with a next_before cursor until nothing is left', async () => {
    const gw = await gateway();
    await twelveEntries(gw);
    const seen: string[] = [];
    let before: number | null | undefined;
    let pages = 0;
    do {
      const res = await get(gw, `/history?user=alice&limit=5${before ? `&before=${before}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.entries as { detail: string }[]).map((e) => e.detail));
      before = res.body.next_before as number | null;
      expect(Boolean(res.headers.link)).toBe(before !== null);
      pages++;
    } while (before !== null && pages < 5);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `n${12 - i}`));
  });

  it('filters by time: since inclusive, until exclusive', async () => {
    const gw = await gateway();
    const start = gw.clock.now();
    await twelveEntries(gw);
    const since = new Date(start.getTime() + 3 * MINUTE).toISOString();
    const until = new Date(start.getTime() + 6 * MINUTE).toISOString();
    const res = await get(gw, `/history?since=${since}&until=${until}`);
    expect(res.body.entries.map((e: { detail: string }) => e.detail)).toEqual(['n6', 'n5', 'n4']);
  });

  it.each([
    ['since', 'since=yesterday'],
    ['until', 'until=2026-02-30'],
    ['since', 'since=2026-01-15T09:00:00'],
    ['limit', 'limit=0'],
    ['before', 'before=abc'],
    ['format', 'format=xml'],
  ])('refuses a bad %s parameter, naming it', async (name, query) => {
    const gw = await gateway();
    const res = await get(gw, `/history?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter: name });
    expect(res.body.message).toContain(`'${name}'`);
  });

  it('gives CSV with a header row, quoting what needs it and defusing formulas', async () => {
    const gw = await gateway();
    await gw.store.appendHistory(
      entry(gw, { userAgent: 'Mozilla/5.0 (X11, "Linux")', detail: 'line one\nline two' }),
    );
    gw.clock.advance(MINUTE);
    await gw.store.appendHistory(entry(gw, { userAgent: '=HYPERLINK("http://evil.example")', detail: null }));
    const res = await get(gw, '/history?user=alice&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, newest, older, ...rest] = readCsv(res.text);
    expect(rest).toEqual([]);
    expect(header).toEqual([
      'id',
      'time',
      'user',
      'method',
      'status',
      'triggered_by',
      'source_ip',
      'login',
      'entry_point',
      'user_agent',
      'detail',
      'seq',
      'key_id',
      'prev_hash',
      'hash',
    ]);
    expect(newest?.[9]).toBe('\'=HYPERLINK("http://evil.example")');
    expect(newest?.[10]).toBe('');
    expect(older?.slice(1, 11)).toEqual([
      '2026-01-15T09:00:00.000Z',
      'alice',
      'email',
      'Succeeded',
      'NewNetwork',
      '203.0.113.7',
      'direct',
      'standard',
      'Mozilla/5.0 (X11, "Linux")',
      'line one\nline two',
    ]);
  });

  it('prunes entries older than the retention when it starts', async () => {
    const gw = await gateway();
    await gw.store.appendHistory(entry(gw, { detail: 'old' }));
    gw.clock.advance(170 * DAY);
    await gw.store.appendHistory(entry(gw, { detail: 'recent' }));
    gw.clock.advance(11 * DAY);
    const compiled = compilePolicy(defaultPolicy());
    const service = new AdminService({
      ports: gw.ports,
      policy: { current: () => compiled },
      hasher: new CodeHasher(TEST_SESSION_SECRET),
    });
    const retention = keepHistory({ service, retentionMs: 180 * DAY, logger: silentLogger });
    await retention.started;
    retention.stop();
    const res = await get(gw, '/history?user=alice');
    expect(res.body.entries.map((e: { detail: string }) => e.detail)).toEqual(['recent']);
  });
});

describe('history verify through the admin API', () => {
  it('checks the chain of a store with a history key, and counts the entries', async () => {
    const key = new HistoryKey(Buffer.alloc(32, 5));
    const gw = await flowGateway({
      policy: NO_PROMPT,
      config: { admin: { api_tokens: [{ name: 'servicedesk', token: ADMIN_TOKEN, scopes: ['admin'] }] } },
      store: new MemoryStore({ historyChain: new HistoryChain(key) }),
    });
    await twelveEntries(gw);
    const res = await get(gw, '/history/verify');
    contract.check(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      checked: 12,
      first_seq: 1,
      last_seq: 12,
      before_chain: 0,
      anchor: { seq: 0, hash: null },
      broken: null,
    });
    const entries = (await get(gw, '/history?limit=1')).body.entries as Record<string, unknown>[];
    expect(entries[0]).toMatchObject({
      seq: 12,
      key_id: key.id,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('answers 409 history_key_missing when the gateway has no history key', async () => {
    const gw = await gateway();
    const res = await get(gw, '/history/verify');
    contract.check(res);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'history_key_missing' });
    expect(res.body.message).toContain('STEPGATE_HISTORY_KEY');
  });
});

describe('every help-desk action is in the history', () => {
  it('with actor, action, target and source address', async () => {
    const gw = await gateway();
    const { agent } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': '203.0.113.7' }));
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    const set = encodeURIComponent(EMAIL_OPTION);
    const actions: [string, request.Test][] = [
      ['remove_mobile', call(gw, 'delete', '/users/bob/mobile')],
      ['issue_temporary_code', call(gw, 'post', '/users/bob/temporary-code').send({ hours: 2 })],
      ['expire_temporary_code', call(gw, 'delete', '/users/bob/temporary-code')],
      ['assign_permission_set', call(gw, 'put', `/users/bob/permission-sets/${set}`)],
      ['unassign_permission_set', call(gw, 'delete', `/users/bob/permission-sets/${set}`)],
      [
        'revoke_activations',
        call(gw, 'delete', `/users/alice/activations/${encodeURIComponent('203.0.113.7/32')}`),
      ],
      ['revoke_activations', call(gw, 'delete', '/users/alice/activations')],
    ];
    for (const [, action] of actions) {
      const res = await action;
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      gw.clock.advance(MINUTE);
    }
    const res = await get(gw, '/history?limit=1000');
    const adminEntries = (res.body.entries as Record<string, string>[]).filter((e) =>
      e.method?.startsWith('admin:'),
    );
    expect(adminEntries.map((e) => e.method)).toEqual(actions.map(([name]) => `admin:${name}`).reverse());
    for (const e of adminEntries) {
      expect(e.source_ip).toBe('192.0.2.10');
      expect(e.detail).toMatch(/ — by token:servicedesk via api$/);
      expect(e.status).toBe('Succeeded');
    }
    expect(adminEntries.map((e) => e.user)).toEqual(['alice', 'alice', 'bob', 'bob', 'bob', 'bob', 'bob']);
    expect(adminEntries.find((e) => e.method === 'admin:assign_permission_set')?.detail).toContain(
      EMAIL_OPTION,
    );
    expect(adminEntries[1]?.detail).toContain('203.0.113.7/32');
  });
});
