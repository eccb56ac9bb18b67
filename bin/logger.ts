/**
 * The log, through pino: one JSON object per line on stderr (`time`, `level`, `message`, then the
 * event's fields), what log collectors expect and never mixed into a command's output; or, for a
 * person watching the demo, pino-pretty's coloured lines.
 *
 * Nothing a person could use to sign in as someone else, or to reach them, reaches the log: keys
 * that hold secrets or destinations are censored by pino's `redact`, and text that comes from
 * outside (an exception's message, a provider's answer) has phone numbers, runs of digits long
 * enough to be a code, and bearer credentials replaced (docs/production.md, "Logs").
 */
import { pino, stdTimeFunctions, type DestinationStream, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger } from '../gateway/ports.js';

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export const REDACTED = '[redacted]';

/** Keys whose value is a secret or a destination, wherever they appear (one level down too). */
const SECRET_KEYS = [
  'password',
  'bind_password',
  'secret',
  'token',
  'authorization',
  'cookie',
  'code_plain',
  'otp',
  'phone',
  'mobile',
  'to',
  'destination',
  'body',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

/**
 * Fields that carry identifiers stepgate chose to log (a username may be all digits, a DN holds
 * one), kept as they are; every other string field is free text and is scrubbed.
 */
const IDENTIFIER_KEYS = new Set(['user', 'dn', 'entry_point', 'user_type', 'attribute', 'path', 'file']);

const SCRUBBED: readonly RegExp[] = [
  // International numbers as people and providers write them: +14155550102, +1 (415) 555-0102.
  /\+\d[\d\s().-]{5,}\d/g,
  // National ones with an area code in brackets: (415) 555-0102.
  /\(\d{2,5}\)[\s.-]?\d{2,4}[\s.-]?\d{3,4}/g,
  // A bare run of digits as long as a one-time or temporary code (six and up).
  /\b\d{6,}\b/g,
  // Credentials in an HTTP Authorization value quoted by an error.
  /\b(?:Bearer|Basic)\s+[\w.~+/=-]+/gi,
];

/** `text` with phone numbers, codes and bearer credentials replaced. */
export function scrub(text: string): string {
  return SCRUBBED.reduce((result, pattern) => result.replace(pattern, REDACTED), text);
}

const MAX_DEPTH = 4;

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Error) return scrub(value.message);
  return scrubFields(value as Record<string, unknown>, depth + 1);
}

function scrubFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    result[key] = IDENTIFIER_KEYS.has(key) && typeof value === 'string' ? value : scrubValue(value, depth);
  }
  return result;
}

function pinoOptions(format: LogFormat): LoggerOptions {
  return {
    base: undefined,
    messageKey: 'message',
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      // pino-pretty reads pino's numbers to colour the level; collectors get today's words.
      ...(format === 'json' && { level: (label: string) => ({ level: label }) }),
      log: (fields) => scrubFields(fields),
    },
  };
}

export interface LoggerSettings {
  format?: LogFormat;
  /** Where lines go; stderr (written synchronously, so a line is out before the process exits). */
  stream?: DestinationStream;
  /** Colours in the pretty form; on when stderr is a terminal. */
  colorize?: boolean;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const format = settings.format ?? 'json';
  const destination =
    format === 'pretty'
      ? pinoPretty({
          destination: settings.stream ?? 2,
          sync: true,
          colorize: settings.colorize ?? process.stderr.isTTY === true,
          messageKey: 'message',
          translateTime: 'SYS:HH:MM:ss',
        })
      : (settings.stream ?? pino.destination({ dest: 2, sync: true }));
  const log = pino(pinoOptions(format), destination);
  return {
    info: (message, fields) => log.info(fields ?? {}, scrub(message)),
    warn: (message, fields) => log.warn(fields ?? {}, scrub(message)),
    error: (message, fields) => log.error(fields ?? {}, scrub(message)),
  };
}

/** The format asked for in STEPGATE_LOG_FORMAT, else `fallback`; another value is refused. */
export function logFormatFrom(env: NodeJS.ProcessEnv, fallback: LogFormat): LogFormat {
  const asked = env.STEPGATE_LOG_FORMAT;
  if (asked === undefined || asked === '') return fallback;
  if ((LOG_FORMATS as readonly string[]).includes(asked)) return asked as LogFormat;
  throw new RangeError(`STEPGATE_LOG_FORMAT must be 'json' or 'pretty' but it is '${asked}'`);
}

/** One JSON object per line on stderr (or `stream`). */
export function jsonLogger(stream?: DestinationStream): Logger {
  return createLogger({ format: 'json', ...(stream && { stream }) });
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
