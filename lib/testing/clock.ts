/**
 * A clock the test moves by hand. Given to createStepgate as `clock`, it is the time the whole
 * gateway reads, so a test crosses the SMS hour, a code's lifetime or a lockout in one call.
 */
import { parseDuration } from '../../config/duration.js';
import type { Clock } from '../../gateway/ports.js';

/** '61m', '10s', '24h', '2d' (as stepgate.yaml writes durations), or milliseconds (negative: back). */
export type DurationInput = string | number;

function toMs(duration: DurationInput): number {
  const ms = typeof duration === 'number' ? duration : parseDuration(duration);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new TypeError(
      `clock: a duration must be like '61m' (s, m, h or d) or a number of milliseconds but it is ${JSON.stringify(duration)}`,
    );
  }
  return ms;
}

export class TestClock implements Clock {
  private time: number;

  /** Starts at `start`, or at the real time now. */
  constructor(start: Date | number = Date.now()) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  /** Moves time forward: `clock.advance('61m')`, `clock.advance(30_000)`; a negative number moves it back. */
  advance(duration: DurationInput): void {
    this.time += toMs(duration);
  }

  /** Puts the clock at `time` (backwards too). */
  set(time: Date | number): void {
    this.time = typeof time === 'number' ? time : time.getTime();
  }
}
