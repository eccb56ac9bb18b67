import { describe, expect, it } from 'vitest';
import { RETURN_TO_MAX_LENGTH, isAllowedRedirect, safeReturnTo } from '../../../gateway/http/redirects.js';

const ORIGIN = 'https://gateway.example.org';

describe('safeReturnTo', () => {
  it.each([
    ['/reports?q=1#top', '/reports?q=1#top'],
    ['https://gateway.example.org/a/b', '/a/b'],
    ['relative/path', '/relative/path'],
    // Scheme-relative to our own scheme: resolved on our origin, and only the path is kept.
    ['https:evil.example', '/evil.example'],
    // Dot segments that leave a path on our origin are resolved, as a browser would.
    ['/a/../docs/./intro', '/docs/intro'],
    // Encoded slashes and tabs are not separators once sent: a browser keeps them encoded.
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/%5cevil.example', '/%5cevil.example'],
  ])('keeps %j on our origin as %j', (input, expected) => {
    expect(safeReturnTo(input, ORIGIN)).toBe(expected);
    // What it returns is judged again (next-step.ts): it must come back unchanged.
    expect(safeReturnTo(expected, ORIGIN)).toBe(expected);
  });

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'http://gateway.example.org/', // another scheme is another origin
    'javascript:alert(1)',
    '/ok\r\nSet-Cookie: x=1',
    // Each normalises to '//evil.example…', a scheme-relative URL: the string sent decides.
    '/.//evil.example/x',
    '/a/..//evil.example',
    '/%2e//evil.example',
    '/%2E%2e//evil.example',
    '/a/.%2E//evil.example',
    '/..//evil.example',
    '/././/evil.example',
    '\t//evil.example',
    '/\t/evil.example',
    ' //evil.example',
    '',
    undefined,
    42,
  ])('falls back to / for %j', (input) => {
    expect(safeReturnTo(input, ORIGIN)).toBe('/');
  });

  it('takes a return_to of up to RETURN_TO_MAX_LENGTH characters, as it comes and as it is sent', () => {
    const longest = `/${'a'.repeat(RETURN_TO_MAX_LENGTH - 1)}`;
    expect(safeReturnTo(longest, ORIGIN)).toBe(longest);
    const logged: unknown[] = [];
    const logger = { info: (...args: unknown[]) => logged.push(args), warn: () => {}, error: () => {} };
    expect(safeReturnTo(`${longest}a`, ORIGIN, '/', logger)).toBe('/');
    expect(safeReturnTo(`${ORIGIN}${longest}`, ORIGIN, '', logger)).toBe('');
    // Short as it came, but percent-encoded into more than the limit.
    expect(safeReturnTo(`/${'é'.repeat(400)}`, ORIGIN, '/', logger)).toBe('/');
    expect(logged).toEqual([
      ['return_to ignored: longer than the longest taken', { length: 2049, max: RETURN_TO_MAX_LENGTH }],
      [
        'return_to ignored: longer than the longest taken',
        { length: ORIGIN.length + 2048, max: RETURN_TO_MAX_LENGTH },
      ],
      ['return_to ignored: longer than the longest taken', { length: 2401, max: RETURN_TO_MAX_LENGTH }],
    ]);
  });
});

describe('isAllowedRedirect', () => {
  it.each(['/', '/a', '/a//b', '/?next=//evil.example', '/#//evil.example', '/%2F/evil.example'])(
    'lets %j through: a path on our origin',
    (sent) => expect(isAllowedRedirect(sent, ORIGIN)).toBe(true),
  );

  it.each([
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/ /evil.example',
    'https://evil.example/',
    `${ORIGIN}/a`, // absolute URLs are never sent: safeReturnTo keeps the path alone
    'evil.example',
    '',
  ])('refuses %j', (sent) => expect(isAllowedRedirect(sent, ORIGIN)).toBe(false));
});

describe('server.allowed_return_hosts', () => {
  const scope = { public_url: ORIGIN, allowed_return_hosts: ['app.example.com', '*.apps.example.com'] };

  it.each([
    ['https://app.example.com/x?y=1#z', 'https://app.example.com/x?y=1#z'],
    ['https://app.example.com', 'https://app.example.com/'],
    ['//app.example.com/x', 'https://app.example.com/x'],
    ['https://deep.team.apps.example.com/', 'https://deep.team.apps.example.com/'],
    [`${ORIGIN}/a`, '/a'], // our own origin is still sent as a path
  ])('sends %j as %j', (input, sent) => {
    expect(safeReturnTo(input, scope)).toBe(sent);
    expect(safeReturnTo(sent, scope)).toBe(sent);
    expect(isAllowedRedirect(sent, scope)).toBe(true);
  });

  it.each([
    'http://app.example.com/x', // we are served over https: no downgrade
    'https://apps.example.com/x',
    'https://xapps.example.com/x',
    'https://app.example.com.evil.example/',
    'https://a@app.example.com/',
    'https://app.example.com\t/x',
  ])('refuses %j', (input) => {
    expect(safeReturnTo(input, scope)).toBe('/');
  });

  it('refuses an absolute URL not written as the parser writes it', () => {
    expect(isAllowedRedirect('https://APP.example.com/x', scope)).toBe(false);
    expect(isAllowedRedirect('https://app.example.com/a/../x', scope)).toBe(false);
    expect(isAllowedRedirect('https://app.example.com', scope)).toBe(false);
  });
});
