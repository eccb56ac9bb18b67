/**
 * Single-use ids (SAML assertion ids) remembered in Redis until they expire, so an assertion
 * accepted by one instance of a fleet is refused by every other. One SET NX: atomic.
 */
import type { Clock, ReplayCache } from '../../gateway/ports.js';
import { KEY_PREFIX, guarded, type RedisCommands } from './client.js';

export class RedisReplayCache implements ReplayCache {
  private readonly prefix: string;

  constructor(
    private readonly client: RedisCommands,
    private readonly clock: Clock,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? KEY_PREFIX;
  }

  async remember(id: string, until: Date): Promise<boolean> {
    // Relative to the gateway's clock, at least 1 ms: an id already past its end is still
    // remembered for an instant, and a second presentation in that instant is still refused.
    const ttl = Math.max(1, Math.ceil(until.getTime() - this.clock.now().getTime()));
    if (!Number.isFinite(ttl)) throw new RangeError('replay cache: until must be a valid date');
    const reply = await guarded(this.client, () =>
      this.client.set(`${this.prefix}replay:${id}`, '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: ttl },
      }),
    );
    return reply !== null;
  }
}
