import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../../gateway/http/redirects.js';

const ORIGIN = 'https://gateway.example.org';

describe('safeReturnTo', () => {
  it.each([
    ['/reports?q=1#top', '/reports?q=1#top'],
    ['https://gateway.example.org/a/b', '/a/b'],
    ['relative/path', '/relative/path'],
    // Scheme-relative to our own scheme: resolved on our origin, and only the path is kept.
    ['https:evil.example', '/evil.example'],
  ])('keeps %s on our origin as %s', (input, expected) => {
    expect(safeReturnTo(input, ORIGIN)).toBe(expected);
  });

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'http://gateway.example.org/', // another scheme is another origin
    'javascript:alert(1)',
    '/ok\r\nSet-Cookie: x=1',
    '',
    undefined,
    42,
  ])('falls back to / for %s', (input) => {
    expect(safeReturnTo(input, ORIGIN)).toBe('/');
  });
});
