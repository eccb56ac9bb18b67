import type { Clock } from '../../gateway/ports.js';

/** A clock the test moves by hand: lifetimes and rolling windows without sleeping. */
export class TestClock implements Clock {
  private time: number;
  constructor(start = Date.parse('2026-01-15T09:00:00Z')) {
    this.time = start;
  }
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
