import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp, requestHost } from '../../../gateway/http/client.js';

function req(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

const trusted = (ip: string) => ip === '10.0.0.1' || ip === '10.0.0.2';

describe('clientIp', () => {
  it('uses the peer when it is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientIp(req('198.51.100.1', { 'x-forwarded-for': '203.0.113.9' }), trusted)).toBe('198.51.100.1');
  });
  it('reads from the right across trusted proxies', () => {
    expect(clientIp(req('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.2' }), trusted)).toBe(
      '203.0.113.9',
    );
  });
  it('stops at a garbled hop and keeps the last trusted address', () => {
    expect(clientIp(req('10.0.0.1', { 'x-forwarded-for': '203.0.113.9, not-an-ip' }), trusted)).toBe(
      '10.0.0.1',
    );
  });
  it('unwraps IPv4-mapped IPv6 peers', () => {
    expect(clientIp(req('::ffff:198.51.100.1'), trusted)).toBe('198.51.100.1');
  });
  it('keeps IPv6 clients', () => {
    expect(clientIp(req('10.0.0.1', { 'x-forwarded-for': '2001:db8::1' }), trusted)).toBe('2001:db8::1');
  });
});

describe('requestHost', () => {
  it('drops the port and lowercases', () => {
    expect(requestHost(req('1.1.1.1', { host: 'Portal.Example.org:8443' }))).toBe('portal.example.org');
    expect(requestHost(req('1.1.1.1', { host: '[::1]:8080' }))).toBe('[::1]');
  });
});
