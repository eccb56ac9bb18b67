import { TestClock as KitClock } from '../../lib/testing/clock.js';

/** The test kit's clock (lib/testing/clock.ts), starting where the flow tests expect it. */
export class TestClock extends KitClock {
  constructor(start = Date.parse('2026-01-15T09:00:00Z')) {
    super(start);
  }
}
