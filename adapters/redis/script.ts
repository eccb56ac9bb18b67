/**
 * A Lua script run by its SHA-1 (EVALSHA), sent whole (EVAL) only when Redis does not know it
 * yet: after a restart, a failover or SCRIPT FLUSH its script cache is empty. Redis runs a script
 * atomically, which is what makes the limiter's read-then-write safe across instances.
 */
import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import type { RedisCommands } from './client.js';

/** Redis error replies start with an error code; NOSCRIPT is the one EVALSHA answers for an unknown script. */
function isUnknownScript(error: unknown): boolean {
  return error instanceof ErrorReply && error.message.startsWith('NOSCRIPT');
}

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisCommands, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    try {
      return await client.evalSha(this.sha, options);
    } catch (error) {
      if (!isUnknownScript(error)) throw error;
      // EVAL also loads it into the cache, so the next call goes back to EVALSHA.
      return await client.eval(this.source, options);
    }
  }
}
