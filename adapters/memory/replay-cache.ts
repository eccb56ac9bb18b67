/**
 * Single-use ids (SAML assertion ids) remembered in memory until they expire. Bounded: expired
 * ids are swept as new ones arrive. One instance only; the Redis adapter shares it across a fleet.
 */
import type { Clock, ReplayCache } from '../../gateway/ports.js';

export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async remember(id: string, until: Date): Promise<boolean> {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const known = this.seen.get(id);
    if (known !== undefined && known > now) return false;
    this.seen.set(id, until.getTime());
    return true;
  }

  private sweep(now: number): void {
    if (this.seen.size < 1024) return;
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
  }
}
