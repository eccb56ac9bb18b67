/**
 * nginx's question (X-Original-URL) is split by hand, once per question. The split must say what
 * the pattern `^(https?)://([^/?#]+)(.*)$` (any case) says, on every input: same request, or a
 * refusal naming the same header.
 */
import { describe, expect, it } from 'vitest';
import { fromOriginalUrl, type OriginalRequest } from '../../../../../gateway/flows/authz/original.js';
import { GatewayError } from '../../../../../gateway/errors.js';

function ask(url: string | string[], method?: string): OriginalRequest | string {
  try {
    return fromOriginalUrl({
      'x-original-url': url as string,
      ...(method !== undefined && { 'x-original-method': method }),
    });
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return `${error.status} ${error.code}: ${error.message}`;
  }
}

/** The split as a pattern would make it: the reference the hand-made one is held to. */
function byPattern(url: string): { scheme: string; authority: string; rest: string } | undefined {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) return undefined;
  const [, scheme = '', authority = '', rest = ''] = match;
  return { scheme, authority, rest };
}

describe('fromOriginalUrl', () => {
  it('reads the scheme in any case, the host with its port, and the target exactly as it came', () => {
    expect(ask('HTTPS://App.Example.com:8443/a/../b%2F?q=1')).toEqual({
      method: 'GET',
      proto: 'https',
      host: 'App.Example.com:8443',
      hostname: 'app.example.com',
      target: '/a/../b%2F?q=1',
    });
    expect(ask('http://[::1]:8080?x=1', 'post')).toEqual({
      method: 'POST',
      proto: 'http',
      host: '[::1]:8080',
      hostname: '[::1]',
      target: '/?x=1',
    });
    expect(ask('hTTp://a')).toMatchObject({ proto: 'http', host: 'a', target: '/' });
  });

  it('refuses what is not an http(s) URL with a host, naming the header', () => {
    for (const url of [
      '',
      'http://',
      'https://',
      'https:///x',
      'ftp://a/',
      'http:/a/',
      'httpx://a/',
      'https//a/',
      '//a/x',
      'http://?x',
      'http://#x',
    ]) {
      expect(ask(url), url).toMatch(/^400 invalid_original_request: .*x-original-url/i);
    }
    expect(ask(['http://a/', 'http://b/'])).toMatch(/^400 invalid_original_request: .*x-original-url/i);
    expect(ask('http://a/x', 'G E T')).toMatch(/^400 invalid_original_request: .*x-original-method/i);
    expect(ask('http://a b/x')).toMatch(/^400 invalid_original_request: .*x-original-url/i);
    expect(ask('http://a/x y')).toMatch(/^400 invalid_original_request: .*x-original-url/i);
  });

  it('says what the pattern says on every input of a generated corpus', () => {
    const parts = [
      '',
      'http://',
      'HTTPS://',
      'hTtP:/',
      'https',
      'httpss://',
      ':',
      '/',
      '//',
      '?',
      '#',
      'a',
      'A.b',
      '[::1]',
      ':80',
      'x y',
      '%2e',
      '..',
      '\t',
      'é',
    ];
    let compared = 0;
    for (const a of parts)
      for (const b of parts)
        for (const c of parts) {
          const url = `${a}${b}${c}`;
          const reference = byPattern(url);
          const got = ask(url);
          if (reference === undefined) {
            expect(got, url).toMatch(/x-original-url/i);
          } else if (typeof got === 'string') {
            // Refused for what the host or the target hold, as the pattern's split would be.
            expect(got, url).toMatch(/x-original-url/i);
            expect(
              /^[\x21-\x7e]*$/.test(reference.rest) &&
                /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(
                  reference.authority,
                ),
              url,
            ).toBe(false);
          } else {
            expect(got.proto, url).toBe(reference.scheme.toLowerCase());
            expect(got.host, url).toBe(reference.authority);
            expect(
              got.target === reference.rest ||
                got.target === `/${reference.rest}` ||
                (reference.rest === '' && got.target === '/'),
              url,
            ).toBe(true);
          }
          compared += 1;
        }
    expect(compared).toBe(parts.length ** 3);
  });
});
