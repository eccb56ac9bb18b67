/**
 * Times as pages and messages show them. The server does not know the reader's time zone, so it
 * writes UTC and says so ('2026-05-04 13:02 UTC'); on the help desk's pages a script then shows
 * each `<time>` in the viewer's own zone (http/assets.ts).
 */
import { formatDuration } from '../../config/duration.js';
import { html, type SafeHtml } from '../http/html.js';
import { t, tn, type MessageKey, type MessageValues } from './index.js';

export function formatUtc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A `<time>` element: machine-readable, readable as UTC, rewritten to local time where the script runs. */
export function timeElement(time: Date): SafeHtml {
  return html`<time datetime="${time.toISOString()}">${formatUtc(time)}</time>`;
}

/** The text under `key` with a `<time>` where its `{time}` is. */
export function withTime(key: MessageKey, time: Date, values: MessageValues = {}): SafeHtml {
  const [before = '', after = ''] = t(key, values).split('{time}');
  return html`${before}${timeElement(time)}${after}`;
}

const UNITS = {
  s: 'duration.seconds',
  m: 'duration.minutes',
  h: 'duration.hours',
  d: 'duration.days',
} as const;

/** A duration in words, '10 minutes', in the current language ('1h30m' as the config writes it). */
export function durationInWords(ms: number): string {
  const text = formatDuration(ms);
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match) return text;
  const [, amount, unit] = match;
  return tn(UNITS[unit as keyof typeof UNITS], Number(amount));
}
