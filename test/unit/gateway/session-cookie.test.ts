import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SessionCookieReader,
  cookieValue,
  sessionIdFromCookie,
  unsign,
} from '../../../gateway/http/session-cookie.js';

const SECRET = 'a-session-secret-for-the-test';

/** cookie-signature's format: the value, a dot, the HMAC-SHA256 in base64 without padding. */
function signed(id: string, secret = SECRET): string {
  return `${id}.${createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`;
}

describe('reading the session cookie', () => {
  it('finds a cookie among others, trimmed, unquoted and decoded, the first of a name winning', () => {
    expect(cookieValue('a=1; sid=two; b=3', 'sid')).toBe('two');
    expect(cookieValue('sid = spaced ;x=1', 'sid')).toBe('spaced');
    expect(cookieValue('sid="quoted"', 'sid')).toBe('quoted');
    expect(cookieValue('sid=s%3Aabc', 'sid')).toBe('s:abc');
    expect(cookieValue('sid=%E0%A4%A', 'sid')).toBe('%E0%A4%A'); // not decodable: kept as sent
    expect(cookieValue('sid=first; sid=second', 'sid')).toBe('first');
    expect(cookieValue('xsid=1; sidx=2', 'sid')).toBeUndefined();
    expect(cookieValue('sid', 'sid')).toBeUndefined();
    // Only spaces and tabs are trimmed, as cookie@0.7 does: a no-break space is part of the name.
    expect(cookieValue('\u00a0sid=a; sid=b', 'sid')).toBe('b');
    expect(cookieValue('\tsid=\ta ', 'sid')).toBe('a');
    expect(cookieValue(undefined, 'sid')).toBeUndefined();
  });

  it('accepts only a signature made with the secret', () => {
    expect(unsign(signed('abc'), SECRET)).toBe('abc');
    expect(unsign(signed('abc', 'another secret'), SECRET)).toBeUndefined();
    expect(unsign(`${signed('abc')}x`, SECRET)).toBeUndefined();
    expect(unsign('abc', SECRET)).toBeUndefined();
    expect(unsign(signed(''), SECRET)).toBeUndefined(); // an empty id is never ours
  });

  it("takes the id out of express-session's 's:' cookie only", () => {
    const value = encodeURIComponent(`s:${signed('the-id')}`);
    expect(sessionIdFromCookie(`theme=dark; stepgate_session=${value}`, 'stepgate_session', SECRET)).toBe(
      'the-id',
    );
    expect(
      sessionIdFromCookie(`stepgate_session=${signed('the-id')}`, 'stepgate_session', SECRET),
    ).toBeUndefined();
  });

  it('remembers the values it verified, and only those', () => {
    const reader = new SessionCookieReader('sid', SECRET, 10);
    const good = `sid=${encodeURIComponent(`s:${signed('the-id')}`)}`;
    const forged = `sid=${encodeURIComponent(`s:${signed('the-id', 'another secret')}`)}`;
    expect(reader.sessionId(good)).toBe('the-id');
    expect(reader.sessionId(good)).toBe('the-id');
    expect(reader.sessionId(forged)).toBeUndefined();
    expect(reader.sessionId(forged)).toBeUndefined();
    expect(reader.sessionId(undefined)).toBeUndefined();
  });
});
