/**
 * The sessions signed in as each user, for the help desk (SessionListing): Redis finds a session
 * only by its id, so beside the sessions stepgate keeps, per user, a sorted set of their session
 * ids scored by when each was last written. A session is written at sign-in and at every step
 * after (new ids on confirmation), and lives at most `horizonMs` (absolute timeout plus idle
 * timeout) after its last write, so older ids are dropped; a listed id whose session is gone
 * (signed out, expired) is dropped when the list is read. At most MAX_PER_USER ids are kept.
 *
 * The key holds a SHA-256 of the username, not the name: sessions are sealed at rest
 * (store.encryption_key), and the index should not list who signs in either. Each script touches
 * one key, so it runs on Redis Cluster too.
 */
import { createHash } from 'node:crypto';
import type { RedisCommands } from './client.js';
import { LuaScript } from './script.js';

const MAX_PER_USER = 50;

/** KEYS[1] the user's set; ARGV: session id, now (ms), horizon (ms), most ids kept. */
const noteScript = new LuaScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** KEYS[1] the user's set; ARGV: now (ms), horizon (ms). The ids still within the horizon, newest first. */
const listScript = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
return redis.call('ZREVRANGE', KEYS[1], 0, -1)
`);

/** KEYS[1] the user's set; ARGV: the ids to drop. */
const forgetScript = new LuaScript(`
for i = 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
return 1
`);

export class RedisSessionIndex {
  constructor(
    private readonly client: RedisCommands,
    private readonly options: { prefix: string; horizonMs: number },
  ) {}

  private keyOf(user: string): string {
    return `${this.options.prefix}${createHash('sha256').update(user).digest('hex')}`;
  }

  async note(user: string, sid: string): Promise<void> {
    const args = [sid, String(Date.now()), String(this.options.horizonMs), String(MAX_PER_USER)];
    await noteScript.run(this.client, [this.keyOf(user)], args);
  }

  async list(user: string): Promise<string[]> {
    const ids = await listScript.run(
      this.client,
      [this.keyOf(user)],
      [String(Date.now()), String(this.options.horizonMs)],
    );
    return Array.isArray(ids) ? ids.map(String) : [];
  }

  async forget(user: string, sids: readonly string[]): Promise<void> {
    if (sids.length > 0) await forgetScript.run(this.client, [this.keyOf(user)], [...sids]);
  }
}
