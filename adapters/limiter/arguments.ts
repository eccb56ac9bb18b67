/**
 * The arguments every Limiter adapter refuses, shared so the memory and Redis adapters refuse the
 * same calls with the same words (the limiter contract tests run against both).
 */

export function checkLimit(limit: number): void {
  // A zero limit would refuse forever with no time to wait; a fraction has no meaning as a count.
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`limiter: limit must be a whole number of at least 1, not ${limit}`);
  }
}

export function checkWindow(windowMs: number): void {
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`limiter: window must be a positive number of milliseconds, not ${windowMs}`);
  }
}
