import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../../adapters/memory/limiter.js';
import { describeLimiterContract } from './limiter-contract.js';

describeLimiterContract('MemoryLimiter', () => new MemoryLimiter());

// One limiter for every case, as a shared Redis would be: unique keys must keep cases apart.
const shared = new MemoryLimiter();
describeLimiterContract('MemoryLimiter (shared by every case)', () => shared);

describe('MemoryLimiter memory', () => {
  const hour = 3_600_000;
  const start = Date.UTC(2030, 0, 15, 9, 30);
  const at = (ms: number): Date => new Date(start + ms);

  it('forgets keys whose events have all left their window, and ended locks', async () => {
    const limiter = new MemoryLimiter();
    await limiter.take('sends', 5, hour, at(0));
    await limiter.recordFailure('failures', hour, at(0));
    await limiter.lock('locked', at(hour));
    await limiter.take('recent', 5, 2 * hour, at(0));
    expect(limiter.size).toBe(4);
    expect(limiter.prune(at(hour - 1))).toBe(0);
    expect(limiter.prune(at(hour))).toBe(3);
    expect(limiter.size).toBe(1);
    expect(await limiter.take('recent', 1, 2 * hour, at(hour))).toEqual({
      allowed: false,
      count: 1,
      retryAfterMs: hour,
    });
  });

  it('forgets an ended lock when asked about it', async () => {
    const limiter = new MemoryLimiter();
    await limiter.lock('locked', at(hour));
    expect(await limiter.lockedUntil('locked', at(hour))).toBeUndefined();
    expect(limiter.size).toBe(0);
  });

  it('sweeps idle keys on its own, so a stream of one-off keys stays bounded', async () => {
    const limiter = new MemoryLimiter();
    let largest = 0;
    // Each key is used once and never again; without sweeping they would add up to 20 000.
    for (let i = 0; i < 20_000; i += 1) {
      await limiter.take(`one-off-${i}`, 5, 1_000, at(i * 10));
      largest = Math.max(largest, limiter.size);
    }
    // 100 keys are live at a time (a 1 s window, one new key per 10 ms); a sweep every 1 024
    // operations forgets the rest.
    expect(largest).toBeLessThanOrEqual(1_024 + 101);
  });

  it('caps the failures kept per key, so a caller that never locks cannot exhaust memory', async () => {
    const limiter = new MemoryLimiter();
    let count = 0;
    for (let i = 0; i < 10_050; i += 1) count = await limiter.recordFailure('user', hour, at(i));
    expect(count).toBe(10_000);
  });

  it('keeps its events in order when a call reports an earlier time than the newest event', async () => {
    const limiter = new MemoryLimiter();
    await limiter.take('skew', 2, hour, at(10 * 60_000));
    await limiter.take('skew', 2, hour, at(0));
    // The event at 0 leaves first, at one hour, even though it was recorded second.
    expect(await limiter.take('skew', 2, hour, at(30 * 60_000))).toEqual({
      allowed: false,
      count: 2,
      retryAfterMs: 30 * 60_000,
    });
    expect((await limiter.take('skew', 2, hour, at(hour))).allowed).toBe(true);
  });
});
