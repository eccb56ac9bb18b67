import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(s|m|h|d)$/;

/** Parses '90s', '30m', '12h', '180d' into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** Formats milliseconds back into the largest whole unit, for messages and docs. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A duration option written like '30m'. The resolved value is milliseconds.
 * `0` is accepted where `allowZero` is set (it means "no limit" for those options); elsewhere a
 * zero duration ('0d') is refused.
 */
export function duration(options: { allowZero?: boolean; max?: number } = {}) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      if (value === 0 && options.allowZero) return 0;
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration like '30m' (s, m, h or d) but it is '${String(value)}'`,
        });
        return z.NEVER;
      }
      if (ms === 0 && !options.allowZero) {
        // '0d' of history retention would delete every record; '0m' of idle time ends every session.
        ctx.addIssue({ code: 'custom', message: `must be longer than zero but it is '${String(value)}'` });
        return z.NEVER;
      }
      if (options.max !== undefined && ms > options.max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at most ${formatDuration(options.max)} but it is '${String(value)}'`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({
      type: 'string',
      pattern: DURATION.source,
      description: "A duration such as '90s', '30m', '12h' or '7d'.",
    });
}
