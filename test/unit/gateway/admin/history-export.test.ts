import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../../gateway/errors.js';
import { MemoryStore } from '../../../../adapters/memory/store.js';
import {
  csvField,
  exportHistory,
  parseHistoryFormat,
  parseIsoDate,
  parseWholeNumber,
} from '../../../../gateway/admin/history-export.js';

async function storeWith(count: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (let n = 1; n <= count; n++) {
    await store.appendHistory({
      time: new Date(Date.UTC(2026, 0, 1) + n * 1000),
      user: n % 2 === 0 ? 'alice' : 'bob',
      method: 'email',
      status: 'Succeeded',
      triggeredBy: null,
      sourceIp: null,
      login: null,
      entryPoint: null,
      userAgent: null,
      detail: `n${n}`,
    });
  }
  return store;
}

async function exported(store: MemoryStore, format: 'json' | 'csv', user?: string): Promise<string> {
  let text = '';
  await exportHistory(
    { history: (q) => store.queryHistory(q) },
    { user },
    format,
    (chunk) => (text += chunk),
  );
  return text;
}

function refusal(run: () => unknown): { code: string; message: string; parameter: unknown } {
  try {
    run();
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return { code: error.code, message: error.message, parameter: error.fields.parameter };
  }
  throw new Error('expected a refusal');
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+1', "'=1+1"],
    ['+44 20', "'+44 20"],
    ['-x', "'-x"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['=HYPERLINK("x","y")', '"\'=HYPERLINK(""x"",""y"")"'],
    [null, ''],
    [42, '42'],
  ])('writes %j as %s', (value, written) => {
    expect(csvField(value)).toBe(written);
  });
});

describe('parseIsoDate', () => {
  it.each([
    ['2026-01-15', '2026-01-15T00:00:00.000Z'],
    ['2026-01-15T09:30Z', '2026-01-15T09:30:00.000Z'],
    ['2026-01-15T09:30:05.123+02:00', '2026-01-15T07:30:05.123Z'],
  ])('reads %s', (text, iso) => {
    expect(parseIsoDate('since', text)?.toISOString()).toBe(iso);
  });

  it('treats an absent or empty value as no filter', () => {
    expect(parseIsoDate('since', undefined)).toBeUndefined();
    expect(parseIsoDate('since', '')).toBeUndefined();
  });

  it.each(['yesterday', '2026-02-30', '2026-13-01', '2026-01-15T09:00', '15/01/2026', '1737000000'])(
    'refuses %s, naming the parameter',
    (text) => {
      expect(refusal(() => parseIsoDate('until', text))).toEqual({
        code: 'invalid_parameter',
        parameter: 'until',
        message: `'until' must be an ISO 8601 date such as 2026-01-15 or 2026-01-15T09:00:00Z but it is '${text}'.`,
      });
    },
  );
});

describe('parseWholeNumber and parseHistoryFormat', () => {
  it('reads a number in range, with a fallback', () => {
    expect(parseWholeNumber('limit', '25', { min: 1, max: 100, fallback: 10 })).toBe(25);
    expect(parseWholeNumber('limit', undefined, { min: 1, max: 100, fallback: 10 })).toBe(10);
  });

  it.each(['0', '101', '-1', '2.5', 'ten'])('refuses limit=%s', (text) => {
    expect(refusal(() => parseWholeNumber('limit', text, { min: 1, max: 100 }))).toMatchObject({
      parameter: 'limit',
      message: `'limit' must be a whole number from 1 to 100 but it is '${text}'.`,
    });
  });

  it('knows json and csv only', () => {
    expect(parseHistoryFormat(undefined, 'csv')).toBe('csv');
    expect(parseHistoryFormat('json', 'csv')).toBe('json');
    expect(refusal(() => parseHistoryFormat('xlsx', 'json')).parameter).toBe('format');
  });
});

describe('exportHistory', () => {
  it('writes every entry across batches, newest first, as one JSON array', async () => {
    const store = await storeWith(2501);
    const all = JSON.parse(await exported(store, 'json')) as { detail: string }[];
    expect(all).toHaveLength(2501);
    expect(all[0]?.detail).toBe('n2501');
    expect(all.at(-1)?.detail).toBe('n1');
    expect(new Set(all.map((e) => e.detail)).size).toBe(2501);
    const csv = (await exported(store, 'csv', 'alice')).split('\r\n');
    expect(csv).toHaveLength(1 + 1250 + 1);
    // Written without a history key: numbered, with no key id or hashes.
    expect(csv[1]).toMatch(/,n2500,2500,,,$/);
  });

  it('writes an empty JSON array and a lone CSV header when nothing matches', async () => {
    const store = await storeWith(0);
    expect(JSON.parse(await exported(store, 'json'))).toEqual([]);
    expect(await exported(store, 'csv')).toBe(
      'id,time,user,method,status,triggered_by,source_ip,login,entry_point,user_agent,detail,seq,key_id,prev_hash,hash\r\n',
    );
  });
});
