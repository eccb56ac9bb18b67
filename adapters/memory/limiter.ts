/**
 * The Limiter port in process memory, for unit tests, demos and a single instance. A fleet of
 * gateways needs the Redis adapter instead: these limits hold only within one process.
 */
import type { LimitOutcome, Limiter } from '../../gateway/ports.js';
import { checkLimit, checkWindow } from '../limiter/arguments.js';

/**
 * Failures have no limit to cap their log at, and a caller that keeps recording them (a bug, or
 * a lockout that is not checked) must not grow memory without end. Past this many the count
 * stays here; any sane lockout threshold is far below it, so no decision changes.
 */
const maxFailuresPerKey = 10_000;

/** Keys whose every event has left its window are swept after at least this many operations. */
const minOperationsBetweenSweeps = 1_024;

interface EventLog {
  /** Event times in ms, oldest first. */
  times: number[];
  /** The window the log was last used with: once its newest event leaves it, the key is empty. */
  windowMs: number;
}

/**
 * Drops the events that have left the window ending at `now`. An event at t is in the window
 * while now - t < windowMs, so it leaves at exactly t + windowMs.
 */
function dropExpired(log: EventLog, now: number): void {
  const { times } = log;
  let expired = 0;
  while (expired < times.length && (times[expired] ?? now) <= now - log.windowMs) expired += 1;
  if (expired > 0) times.splice(0, expired);
}

/**
 * Keeps the log ordered even when instances with skewed clocks (or a test) report an earlier
 * time than the newest event: pruning from the front relies on it.
 */
function insertInOrder(times: number[], time: number): void {
  let index = times.length;
  while (index > 0 && (times[index - 1] ?? time) > time) index -= 1;
  times.splice(index, 0, time);
}

function isEmptyAt(log: EventLog, now: number): boolean {
  const newest = log.times.at(-1);
  return newest === undefined || newest <= now - log.windowMs;
}

/**
 * A rolling window kept as a log of event times (not fixed buckets, which would allow twice the
 * limit across a bucket edge). Every method runs to completion without awaiting, so each call
 * is atomic against the others in this process.
 */
export class MemoryLimiter implements Limiter {
  // Separate maps, so a send limit and a failure count under the same key never mix.
  private readonly takes = new Map<string, EventLog>();
  private readonly failures = new Map<string, EventLog>();
  private readonly locks = new Map<string, number>();
  private operationsSinceSweep = 0;
  private operationsBetweenSweeps = minOperationsBetweenSweeps;

  async take(key: string, limit: number, windowMs: number, now: Date): Promise<LimitOutcome> {
    checkLimit(limit);
    checkWindow(windowMs);
    const time = now.getTime();
    this.sweepIfDue(time);
    const log = this.takes.get(key) ?? { times: [], windowMs };
    log.windowMs = windowMs;
    dropExpired(log, time);
    const count = log.times.length;
    if (count < limit) {
      // Only allowed events are recorded, so the log never outgrows the limit, and hammering a
      // refused limit does not push back the moment it opens again.
      insertInOrder(log.times, time);
      this.takes.set(key, log);
      return { allowed: true, count: count + 1, retryAfterMs: 0 };
    }
    // Events are kept while they are in the window, even after the limit is lowered (a policy
    // reload), so raising it again sees the true count. Then the wait is until enough of the
    // oldest events leave to go below the new limit; normally that is the oldest alone.
    const opening = log.times[count - limit] ?? time;
    this.takes.set(key, log);
    return { allowed: false, count, retryAfterMs: opening + windowMs - time };
  }

  async recordFailure(key: string, windowMs: number, now: Date): Promise<number> {
    checkWindow(windowMs);
    const time = now.getTime();
    this.sweepIfDue(time);
    const log = this.failures.get(key) ?? { times: [], windowMs };
    log.windowMs = windowMs;
    dropExpired(log, time);
    insertInOrder(log.times, time);
    if (log.times.length > maxFailuresPerKey) log.times.splice(0, log.times.length - maxFailuresPerKey);
    this.failures.set(key, log);
    return log.times.length;
  }

  async clearFailures(key: string): Promise<void> {
    this.failures.delete(key);
  }

  async forgetFailure(key: string, at: Date): Promise<void> {
    const times = this.failures.get(key)?.times;
    const index = times?.indexOf(at.getTime()) ?? -1;
    if (index >= 0) times?.splice(index, 1);
  }

  /** Replaces any lock under `key`: the last call wins, so a lock can also be shortened. */
  async lock(key: string, until: Date): Promise<void> {
    this.locks.set(key, until.getTime());
  }

  /** Locked while now < until; an ended lock is forgotten. */
  async lockedUntil(key: string, now: Date): Promise<Date | undefined> {
    this.sweepIfDue(now.getTime());
    const until = this.locks.get(key);
    if (until === undefined) return undefined;
    if (until <= now.getTime()) {
      this.locks.delete(key);
      return undefined;
    }
    return new Date(until);
  }

  async ping(): Promise<void> {}

  /** How many keys are held across takes, failures and locks: for tests of the memory bound. */
  get size(): number {
    return this.takes.size + this.failures.size + this.locks.size;
  }

  /** Forgets every key with nothing left in its window, and every ended lock; returns how many. */
  prune(now: Date): number {
    const time = now.getTime();
    const before = this.size;
    for (const logs of [this.takes, this.failures]) {
      for (const [key, log] of logs) if (isEmptyAt(log, time)) logs.delete(key);
    }
    for (const [key, until] of this.locks) if (until <= time) this.locks.delete(key);
    this.operationsSinceSweep = 0;
    // Measured after the sweep: measuring before would let a stream of new keys push it away forever.
    this.operationsBetweenSweeps = Math.max(minOperationsBetweenSweeps, this.size);
    return before - this.size;
  }

  /**
   * Keys that are never touched again would stay forever, so every so often all of them are
   * swept. Sweeping after as many operations as there were live keys at the last sweep keeps the
   * cost per call constant on average, and the keys held at most about twice the live ones. Counting operations
   * rather than elapsed time keeps the limiter free of any clock but the `now` it is given.
   */
  private sweepIfDue(now: number): void {
    this.operationsSinceSweep += 1;
    if (this.operationsSinceSweep < this.operationsBetweenSweeps) return;
    this.prune(new Date(now));
  }
}
