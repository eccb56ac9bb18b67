/**
 * The Limiter port in Redis, so the SPEC's limits (§1.5: 5 SMS per user per rolling hour, "across
 * several gateway instances sharing one Redis"; §2: lockouts) hold for a whole fleet.
 *
 * Each rolling window is a sorted set of event times (score = the caller's `now` in ms, member
 * unique per event). Every read-and-write runs as one Lua script, so concurrent calls from any
 * number of instances are atomic. Time comes only from the `now` argument; key expiry is always
 * relative (PEXPIRE window, PX until - now), never an absolute time, so a caller whose `now` is
 * far from the server's clock (a test, a skewed instance) cannot make keys vanish early.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock, type LimitOutcome, type Limiter } from '../../gateway/ports.js';
import { checkLimit, checkWindow } from '../limiter/arguments.js';
import { KEY_PREFIX, guarded, pingRedis, type RedisCommands } from './client.js';
import { LuaScript } from './script.js';

/** As in the memory adapter: past this many failures per key the count stays here. */
const maxFailuresPerKey = 10_000;

/**
 * KEYS[1] the event log. ARGV: now, cutoff (events at or before it have left), window ms for
 * PEXPIRE, limit, a unique member. Returns {1, count} when allowed, or {0, count, opening} when
 * refused, where opening is the time of the event whose leaving brings the count below the limit.
 * Refused calls are not recorded, so hammering a limit does not push back the moment it opens.
 */
const takeScript = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[4])
if count < limit then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, count + 1}
end
local opening = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {0, count, opening[2]}
`);

/**
 * KEYS[1] the failure log. ARGV: now, cutoff, window ms for PEXPIRE, a unique member, the cap.
 * Returns the failures in the window, including this one.
 */
const failureScript = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
local count = redis.call('ZCARD', KEYS[1])
local cap = tonumber(ARGV[5])
if count > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, count - cap - 1)
  count = cap
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return count
`);

/**
 * KEYS[1] the failure log. ARGV: the time of the failure to take back. Removes one event with
 * exactly that score: events of the same millisecond count alike, so any one of them will do.
 */
const forgetScript = new LuaScript(`
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if found[1] then redis.call('ZREM', KEYS[1], found[1]) end
return 0
`);

function checkTime(time: Date, what: string): number {
  const ms = time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`limiter: ${what} must be a valid date`);
  return ms;
}

/** A number from a script reply: integers arrive as numbers, sorted-set scores as strings. */
function numberAt(reply: unknown, index: number): number {
  const value = Array.isArray(reply) ? (reply as unknown[])[index] : undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new Error(`limiter: unexpected reply from Redis: ${JSON.stringify(reply)}`);
  }
  return number;
}

/** A member no other event can share, even at the same millisecond from another instance. */
function eventMember(now: number): string {
  return `${now}:${randomUUID()}`;
}

export interface RedisLimiterOptions {
  /** Prepended to every key; `stepgate:` by default. Tests use one of their own. */
  prefix?: string;
  /** Only for the TTL of a lock (lock() has no `now`); the gateway's clock. */
  clock?: Clock;
}

export class RedisLimiter implements Limiter {
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(
    private readonly client: RedisCommands,
    options: RedisLimiterOptions = {},
  ) {
    this.prefix = options.prefix ?? KEY_PREFIX;
    this.clock = options.clock ?? systemClock;
  }

  // Separate key spaces, so a send limit, a failure count and a lock under the same key never mix.
  private takeKey(key: string): string {
    return `${this.prefix}limit:take:${key}`;
  }

  private failureKey(key: string): string {
    return `${this.prefix}limit:fail:${key}`;
  }

  private lockKey(key: string): string {
    return `${this.prefix}limit:lock:${key}`;
  }

  async take(key: string, limit: number, windowMs: number, now: Date): Promise<LimitOutcome> {
    checkLimit(limit);
    checkWindow(windowMs);
    const time = checkTime(now, 'now');
    const reply = await guarded(this.client, () =>
      takeScript.run(
        this.client,
        [this.takeKey(key)],
        [
          String(time),
          String(time - windowMs),
          String(Math.ceil(windowMs)),
          String(limit),
          eventMember(time),
        ],
      ),
    );
    const count = numberAt(reply, 1);
    if (numberAt(reply, 0) === 1) return { allowed: true, count, retryAfterMs: 0 };
    return { allowed: false, count, retryAfterMs: numberAt(reply, 2) + windowMs - time };
  }

  async recordFailure(key: string, windowMs: number, now: Date): Promise<number> {
    checkWindow(windowMs);
    const time = checkTime(now, 'now');
    const reply = await guarded(this.client, () =>
      failureScript.run(
        this.client,
        [this.failureKey(key)],
        [
          String(time),
          String(time - windowMs),
          String(Math.ceil(windowMs)),
          eventMember(time),
          String(maxFailuresPerKey),
        ],
      ),
    );
    return numberAt([reply], 0);
  }

  async clearFailures(key: string): Promise<void> {
    await guarded(this.client, () => this.client.del(this.failureKey(key)));
  }

  async forgetFailure(key: string, at: Date): Promise<void> {
    const time = checkTime(at, 'at');
    await guarded(this.client, () => forgetScript.run(this.client, [this.failureKey(key)], [String(time)]));
  }

  /**
   * Replaces any lock under `key`: the last call wins, so a lock can also be shortened. The key
   * holds the end time, which lockedUntil compares with its `now`; the TTL only tidies up.
   */
  async lock(key: string, until: Date): Promise<void> {
    const end = checkTime(until, 'until');
    const ttl = Math.max(1, Math.ceil(end - this.clock.now().getTime()));
    await guarded(this.client, () =>
      this.client.set(this.lockKey(key), String(end), { expiration: { type: 'PX', value: ttl } }),
    );
  }

  /** Locked while now < until. */
  async lockedUntil(key: string, now: Date): Promise<Date | undefined> {
    const time = checkTime(now, 'now');
    const stored = await guarded(this.client, () => this.client.get(this.lockKey(key)));
    if (stored === null) return undefined;
    const until = Number(stored);
    if (!Number.isFinite(until) || until <= time) return undefined;
    return new Date(until);
  }

  ping(): Promise<void> {
    return pingRedis(this.client);
  }
}
