/**
 * Trying a message again while its provider fails for now, shared by the SMTP and Twilio adapters
 * so both pause the same way. Each adapter still decides what a failure means (`explain`): whether
 * another try could help, and which DeliveryError to report when the tries run out.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { DeliveryError } from '../../gateway/ports.js';

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 2_000;

export interface RetryTiming {
  /** The pause between tries; tests pass one that does not wait. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Jitter source in [0, 1). */
  random?: (() => number) | undefined;
}

/** What a failed try means: the error to report, and whether another try could succeed. */
export interface Failure {
  error: DeliveryError;
  retry: boolean;
}

/** Doubling from 250 ms up to 2 s, each pause drawn between half and all of it ("equal jitter"). */
export function retryPause(attempt: number, random: () => number): number {
  const ceiling = Math.min(FIRST_PAUSE_MS * 2 ** (attempt - 1), LONGEST_PAUSE_MS);
  return Math.round(ceiling * (0.5 + random() / 2));
}

export class Retries {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(timing: RetryTiming) {
    this.sleep = timing.sleep ?? ((ms) => wait(ms));
    this.random = timing.random ?? Math.random;
  }

  /**
   * Runs `send` (given the 1-based attempt) until it succeeds, `explain` says another try will not
   * help, or `maxAttempts` tries have failed; then throws the last failure's DeliveryError.
   */
  async run<T>(
    maxAttempts: number,
    send: (attempt: number) => Promise<T>,
    explain: (error: unknown, attempt: number) => Failure,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(attempt);
      } catch (error) {
        const failure = explain(error, attempt);
        if (!failure.retry || attempt >= maxAttempts) throw failure.error;
        await this.sleep(retryPause(attempt, this.random));
      }
    }
  }
}
