/** store.history_retention: pruned at start and every hour while serving, never keeping the process up. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../../../adapters/memory/store.js';
import { SqliteStore } from '../../../../adapters/sqlite/store.js';
import { compose } from '../../../../bin/compose.js';
import { silentLogger } from '../../../../bin/logger.js';
import { configSchema } from '../../../../config/schema.js';
import { keepHistory, PRUNE_EVERY_MS } from '../../../../gateway/admin/retention.js';
import type { HistoryEntry, Logger } from '../../../../gateway/ports.js';
import { TestClock } from '../../../helpers/clock.js';

const DAY = 86_400_000;

function entry(time: Date, detail: string): HistoryEntry {
  return {
    time,
    user: 'alice',
    method: 'email',
    status: 'Succeeded',
    triggeredBy: 'NewNetwork',
    sourceIp: '203.0.113.7',
    login: 'direct',
    entryPoint: 'standard',
    userAgent: null,
    detail,
  };
}

async function details(store: { queryHistory: MemoryStore['queryHistory'] }): Promise<string[]> {
  return (await store.queryHistory({ limit: 100 })).map((e) => e.detail ?? '');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('keepHistory', () => {
  it('prunes at start, then every hour, and stops when told', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const clock = new TestClock();
    const store = new MemoryStore();
    const service = {
      pruneHistory: (ms: number) => store.pruneHistory(new Date(clock.now().getTime() - ms)),
    };
    await store.appendHistory(entry(clock.now(), 'a'));
    clock.advance(DAY);
    await store.appendHistory(entry(clock.now(), 'b'));
    clock.advance(DAY);

    const retention = keepHistory({ service, retentionMs: 1.5 * DAY, logger: silentLogger });
    await retention.started;
    expect(await details(store)).toEqual(['b']);

    clock.advance(DAY);
    await vi.advanceTimersByTimeAsync(PRUNE_EVERY_MS - 1);
    expect(await details(store)).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await details(store)).toEqual([]);

    await store.appendHistory(entry(new Date(0), 'ancient'));
    retention.stop();
    await vi.advanceTimersByTimeAsync(2 * PRUNE_EVERY_MS);
    expect(await details(store)).toEqual(['ancient']);
  });

  it('logs a failed pruning and carries on', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (message) => void errors.push(message) };
    const retention = keepHistory({
      service: { pruneHistory: () => Promise.reject(new Error('disk on fire')) },
      retentionMs: DAY,
      logger,
    });
    await retention.started;
    retention.stop();
    expect(errors).toEqual(['history pruning failed']);
  });
});

describe('stepgate serve', () => {
  it('prunes history older than store.history_retention when it starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-retention-'));
    const storePath = join(dir, 'stepgate.db');
    const usersPath = join(dir, 'users.yaml');
    writeFileSync(usersPath, '{}\n');
    const seed = SqliteStore.open(storePath);
    await seed.appendHistory(entry(new Date(Date.now() - 31 * DAY), 'old'));
    await seed.appendHistory(entry(new Date(Date.now() - 29 * DAY), 'kept'));
    await seed.close();

    const config = configSchema.parse({
      upstream: { url: 'http://127.0.0.1:3000' },
      session: { secret: 'a-session-secret-that-is-long-enough' },
      store: { path: storePath, history_retention: '30d' },
      logins: { direct: { users_file: usersPath } },
      notifications: { outbox_path: join(dir, 'outbox.jsonl') },
    });
    const composed = await compose(config, silentLogger);
    try {
      expect(await details(composed.ports.store)).toEqual(['kept']);
    } finally {
      await composed.close();
    }
  });
});
