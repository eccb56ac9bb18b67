import { describe, expect, it } from 'vitest';
import { publicPaths, unambiguousPath } from '../../../../../gateway/flows/proxy/public-paths.js';

const isPublic = publicPaths(['/public/', '/static/*', '/favicon.ico']);

describe('publicPaths', () => {
  it.each([
    '/public/x',
    '/public/',
    '/static/app.js',
    '/favicon.ico',
    '/public/a%20b.css',
    '/public/caf%C3%A9.css',
    '/public/a//b',
    '/public/.well-known',
    '/public/x..y',
  ])('%j is public', (path) => expect(isPublic(path)).toBe(true));

  it.each([
    '/public',
    '/favicon.ico.bak',
    '/favicon.ico/',
    '/PUBLIC/x',
    '/private/x',
    '//public/x',
    '/private/..%2Fpublic/x',
    '/private/..%2fpublic/x',
    '/private%2F..%2Fpublic/x',
    '/private/..%5Cpublic/x',
    '/private/..\\public/x',
    '/public/..;/private',
    '/public;/x',
    '/public/x%3B',
    '/public/..%252Fprivate',
    '/public/%252e%252e/private',
    '/public/%2e%2e/private',
    '/public/%2E/x',
    '/public/.%2e/private',
    '/public/file%2Etxt', // an escaped '.' is refused anywhere: no browser sends one
    '/public/../private',
    '/public/./x',
    '/public/x/..',
    '/public/x/.',
    '/public/%00',
    '/public/%09/x',
    '/public/%7F',
    '/public/%C0%AF..%C0%AFprivate', // overlong UTF-8 '/'
    '/public/%',
    '/public/%2',
    '/public/%zz',
    undefined, // not an origin-form target
  ])('%j is not public', (path) => expect(isPublic(path)).toBe(false));

  it('makes nothing public without entries', () => {
    expect(publicPaths([])('/public/x')).toBe(false);
  });
});

describe('unambiguousPath', () => {
  it('hands a plain path back as it is, and decodes an escaped one', () => {
    const plain = '/public/app.css';
    expect(unambiguousPath(plain)).toBe(plain);
    expect(unambiguousPath('/public/a%20b%41')).toBe('/public/a bA');
  });
});
