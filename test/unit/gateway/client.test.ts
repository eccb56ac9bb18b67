import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp, clientLearner, requestHost } from '../../../gateway/http/client.js';

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

describe('clientLearner: once per connection', () => {
  const entryPoints = (host: string) => (host === 'portal.localhost' ? 'portal' : 'standard');
  const on = (socket: object, headers: Record<string, string>) =>
    ({ socket, headers }) as unknown as IncomingMessage;

  it('follows the Host header of each request on one kept-open connection', () => {
    const clients = clientLearner(trusted, entryPoints);
    const socket = { remoteAddress: '198.51.100.1' };
    expect(clients.learn(on(socket, { host: 'app.localhost' }))).toEqual({
      ip: '198.51.100.1',
      entryPoint: 'standard',
    });
    expect(clients.learn(on(socket, { host: 'portal.localhost:8080' })).entryPoint).toBe('portal');
    expect(clients.learn(on(socket, { host: 'app.localhost' })).entryPoint).toBe('standard');
    expect(clients.peerTrusted(on(socket, {}))).toBe(false);
  });

  it('reads each request of a trusted proxy’s connection for its own client', () => {
    const clients = clientLearner(trusted, entryPoints);
    const socket = { remoteAddress: '10.0.0.1' };
    expect(clients.learn(on(socket, { host: 'a', 'x-forwarded-for': '203.0.113.1' })).ip).toBe('203.0.113.1');
    expect(clients.learn(on(socket, { host: 'a', 'x-forwarded-for': '203.0.113.2' })).ip).toBe('203.0.113.2');
    expect(clients.peerTrusted(on(socket, {}))).toBe(true);
  });

  it('reads a trusted proxy’s X-Forwarded-For again whenever it changes, and a repeated one each time', () => {
    let asked = 0;
    const counting = (ip: string) => {
      asked += 1;
      return trusted(ip);
    };
    const clients = clientLearner(counting, entryPoints);
    const socket = { remoteAddress: '10.0.0.1' };
    const first = clients.learn(on(socket, { host: 'a', 'x-forwarded-for': '203.0.113.1' }));
    const before = asked;
    expect(clients.learn(on(socket, { host: 'a', 'x-forwarded-for': '203.0.113.1' }))).toBe(first);
    expect(asked).toBe(before);
    expect(clients.learn(on(socket, { host: 'portal.localhost', 'x-forwarded-for': '203.0.113.1' }))).toEqual(
      {
        ip: '203.0.113.1',
        entryPoint: 'portal',
      },
    );
    expect(clients.learn(on(socket, { host: 'portal.localhost' })).ip).toBe('10.0.0.1');
    const repeated = { host: 'a', 'x-forwarded-for': ['203.0.113.7', '203.0.113.8'] } as unknown as Record<
      string,
      string
    >;
    expect(clients.learn(on(socket, repeated)).ip).toBe('203.0.113.8');
    expect(clients.learn(on(socket, { host: 'a', 'x-forwarded-for': '203.0.113.9' })).ip).toBe('203.0.113.9');
  });
});
