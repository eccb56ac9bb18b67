/**
 * The log through pino (bin/logger.ts): the JSON line keeps the fields collectors already read
 * (`time`, `level`, `message`, then the event's own), secrets and destinations are censored by
 * key, and free text loses phone numbers, codes and bearer credentials but nothing else.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFrom, REDACTED } from '../../../bin/logger.js';
import type { Logger } from '../../../gateway/ports.js';

function capture(format: 'json' | 'pretty' = 'json'): { logger: Logger; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ format, colorize: false, stream });
  return { logger, lines: () => text.trim().split('\n') };
}

function oneLine(write: (logger: Logger) => void): Record<string, unknown> {
  const { logger, lines } = capture();
  write(logger);
  const [line, ...rest] = lines();
  expect(rest).toEqual([]);
  return JSON.parse(line ?? '') as Record<string, unknown>;
}

describe('a JSON log line', () => {
  it('has the time, the level as a word, the message and the fields, and nothing else', () => {
    const line = oneLine((logger) => logger.warn('redis is not reachable yet', { attempt: 2, up: false }));
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'warn',
      message: 'redis is not reachable yet',
      attempt: 2,
      up: false,
    });
    expect(oneLine((logger) => logger.info('x')).level).toBe('info');
    expect(oneLine((logger) => logger.error('x')).level).toBe('error');
  });

  it('censors secrets and destinations by their key, at the top and one level down', () => {
    const line = oneLine((logger) =>
      logger.info('event', {
        password: 'hunter2',
        token: 'abc',
        authorization: 'Bearer abc',
        phone: '+14155550102',
        to: '+14155550102',
        body: 'Your code is 123456',
        request: { cookie: 'stepgate_session=s%3Aabc', mobile: '+447400123456' },
      }),
    );
    expect(line).toMatchObject({
      password: REDACTED,
      token: REDACTED,
      authorization: REDACTED,
      phone: REDACTED,
      to: REDACTED,
      body: REDACTED,
      request: { cookie: REDACTED, mobile: REDACTED },
    });
  });

  it.each([
    [
      'an international number',
      "Invalid 'To' Phone Number: +14155550102",
      "Invalid 'To' Phone Number: [redacted]",
    ],
    ['a number written with spaces', 'cannot text +44 7400 123456 now', 'cannot text [redacted] now'],
    ['a national number', 'unreadable (415) 555-0102', 'unreadable [redacted]'],
    ['a one-time code', 'message "Your code is 483920" refused', 'message "Your code is [redacted]" refused'],
    ['a temporary code', 'code 70712022 expired', 'code [redacted] expired'],
    [
      'a bearer token',
      'upstream said: Bearer eyJhbGciOi.eyJzdWIi.sig rejected',
      'upstream said: [redacted] rejected',
    ],
  ])('scrubs %s from free text', (_what, text, scrubbed) => {
    expect(oneLine((logger) => logger.error('code delivery failed', { error: text })).error).toBe(scrubbed);
    expect(oneLine((logger) => logger.error(text)).message).toBe(scrubbed);
    expect(oneLine((logger) => logger.error('x', { problems: [text] })).problems).toEqual([scrubbed]);
  });

  it('keeps what is no secret: error codes, addresses, times, counts, and identifiers as given', () => {
    const fields = {
      code: 'rate_limited',
      twilio_code: 21211,
      error: 'connect ECONNREFUSED 192.168.100.200:389 at 2026-12-07T18:10:06.975Z',
      listen: '[::1]:8080',
      after_ms: 1234567,
      user: '1234567',
      dn: 'uid=1234567,ou=people,dc=example,dc=org',
    };
    expect(oneLine((logger) => logger.warn('request failed', fields))).toMatchObject(fields);
  });
});

describe('the pretty form', () => {
  it('is a readable line with the level and message, the fields below, scrubbed the same', () => {
    const { logger, lines } = capture('pretty');
    logger.warn('code delivery failed', { error: 'refused +14155550102' });
    const [first, ...rest] = lines();
    expect(first).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: code delivery failed$/);
    expect(rest.join('\n')).toContain('error: "refused [redacted]"');
  });
});

describe('STEPGATE_LOG_FORMAT', () => {
  it('chooses the form, falls back when unset, and refuses anything else by name', () => {
    expect(logFormatFrom({ STEPGATE_LOG_FORMAT: 'pretty' }, 'json')).toBe('pretty');
    expect(logFormatFrom({}, 'json')).toBe('json');
    expect(logFormatFrom({ STEPGATE_LOG_FORMAT: '' }, 'pretty')).toBe('pretty');
    expect(() => logFormatFrom({ STEPGATE_LOG_FORMAT: 'xml' }, 'json')).toThrow(
      "STEPGATE_LOG_FORMAT must be 'json' or 'pretty' but it is 'xml'",
    );
  });
});
