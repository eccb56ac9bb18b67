import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  forwardedElement,
  isOwnedHeader,
  setForwarded,
  stripClientHeaders,
} from '../../../../../gateway/flows/proxy/headers.js';

describe('isOwnedHeader', () => {
  it.each([
    'x-stepgate-user',
    'x_stepgate_user',
    'X_Stepgate-User',
    'x-STEPGATE_user',
    'x-stepgate-anything-else',
    'x-forwarded-for',
    'X_FORWARDED_HOST',
    'x-forwarded-prefix',
    'forwarded',
    'Forwarded',
    'x-real-ip',
    'x_real_ip',
    'X-Original-URL',
    'x_rewrite_url',
  ])('%j is the gateway’s', (name) => expect(isOwnedHeader(name)).toBe(true));

  it.each([
    'x-stepgateuser',
    'x-stepgate',
    'xx-stepgate-user',
    'x-forwarded',
    'forwarded-for',
    'x-real-ip-2',
    'x-original-url2',
    'x_request_id',
    'cookie',
    'authorization',
    '',
  ])('%j is the client’s', (name) => expect(isOwnedHeader(name)).toBe(false));
});

describe('stripClientHeaders and setForwarded', () => {
  it('leave the client’s own headers and write who the client is', () => {
    const headers: IncomingHttpHeaders = {
      host: 'app.example.org',
      'x-request-id': 'r1',
      x_stepgate_user: 'root',
      'x-real-ip': '203.0.113.9',
      forwarded: 'for=203.0.113.9',
    };
    stripClientHeaders(headers);
    setForwarded(headers, '192.0.2.1', 'https', 'app.example.org');
    expect(headers).toEqual({
      host: 'app.example.org',
      'x-request-id': 'r1',
      'x-forwarded-for': '192.0.2.1',
      'x-real-ip': '192.0.2.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.org',
      forwarded: 'for=192.0.2.1;host=app.example.org;proto=https',
    });
  });
});

describe('forwardedElement (RFC 7239)', () => {
  it.each([
    ['192.0.2.1', 'app.example.org', 'for=192.0.2.1;host=app.example.org;proto=https'],
    ['2001:db8::1', 'app.example.org', 'for="[2001:db8::1]";host=app.example.org;proto=https'],
    ['192.0.2.1', 'app.example.org:8443', 'for=192.0.2.1;host="app.example.org:8443";proto=https'],
    ['192.0.2.1', 'a"b\\c', 'for=192.0.2.1;host="a\\"b\\\\c";proto=https'],
    ['', undefined, 'for=unknown;proto=https'],
  ])('for %j at %j', (ip, host, expected) => {
    expect(forwardedElement(ip, 'https', host)).toBe(expected);
  });
});
