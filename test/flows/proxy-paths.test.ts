/**
 * SPEC §4: access is decided on exactly the path that is forwarded. A path whose meaning changes
 * once someone decodes it — an encoded '/', '\' or '.', a ';' path parameter, a second round of
 * percent-decoding — is never public, whatever it decodes to: without a session it is not
 * forwarded, on the fast path, through Express (the absolute-URI form) or as a WebSocket upgrade.
 * Requests go over raw sockets so that nothing on the client side normalises them first.
 */
import { describe, expect, it } from 'vitest';
import { MINUTE, flowGateway, signIn, type FlowGateway } from '../helpers/flow.js';
import { rawGet, rawUpgrade } from '../helpers/raw-http.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const PUBLIC_PATHS = ['/public/', '/favicon.ico'];

/** Each reads as a public path to someone and as a private one to someone else. */
const NOT_PUBLIC = [
  // Encoded slashes: an upstream that does not decode them routes these under /private.
  '/private/..%2Fpublic/x',
  '/private/..%2fpublic/x',
  '/private/%2e%2e%2Fpublic/x',
  '/private/%2E%2E%2fpublic/x',
  '/private%2F..%2Fpublic/x',
  '/public%2F..%2F..%2Fprivate/x',
  // Encoded and raw backslashes, which some servers take for '/'.
  '/private/..%5Cpublic/x',
  '/private/..%5cpublic/x',
  '/public/..%5c..%5cprivate/x',
  '/public/..\\..\\private/x',
  // Path parameters: Tomcat and Jetty read '..;' as '..'.
  '/public/..;/private/x',
  '/public/..;jsessionid=1/private/x',
  '/public/x/..%3B/..%3B/private',
  // Double encoding, for a stack that decodes twice.
  '/public/..%252F..%252Fprivate/x',
  '/private/..%252Fpublic/x',
  '/public/%252e%252e/private/x',
  // Dot segments, raw and encoded, in either direction.
  '/private/%2e%2e/public/x',
  '/private/.%2E/public/x',
  '/private/%2e./public/x',
  '/private/../public/x',
  '/private/./../public/x',
  '/public/%2e/x',
  // NUL and other control characters, encoded.
  '/public/x%00/../../private',
  '/public/%09/x',
];

/** Controls: these are public and must stay so. */
const PUBLIC = ['/public/x', '/public/a%20b.css', '/public/x?next=..%2F..%2Fprivate', '/favicon.ico'];

async function gateway(): Promise<{ gw: FlowGateway; url: string }> {
  const gw = await flowGateway({ policy: SKIP_ALL, config: { upstream: { public_paths: PUBLIC_PATHS } } });
  const { url } = await gw.listen();
  return { gw, url };
}

/** The absolute-URI request form (RFC 9112 §3.2.2), which a client may send to any server. */
function absolute(url: string, path: string): string {
  return `${url}${path}`;
}

describe('public_paths are decided on the path that is forwarded (SPEC §4)', () => {
  it.each(NOT_PUBLIC)('does not forward %j without a session', async (path) => {
    const { gw, url } = await gateway();
    const res = await rawGet(url, path);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/_stepgate\/login\?return_to=/);
    expect(gw.upstream.received).toEqual([]);
  });

  it.each(NOT_PUBLIC)('does not forward %j in the absolute-URI form without a session', async (path) => {
    const { gw, url } = await gateway();
    const res = await rawGet(url, absolute(url, path));
    expect(res.status).toBe(302);
    expect(gw.upstream.received).toEqual([]);
  });

  it.each(NOT_PUBLIC)('refuses a WebSocket upgrade to %j without a session', async (path) => {
    const { url } = await gateway();
    expect((await rawUpgrade(url, path)).status).toBe(401);
    expect((await rawUpgrade(url, absolute(url, path))).status).toBe(401);
  });

  it.each(PUBLIC)('forwards the public path %j as it came, without identity', async (path) => {
    const { gw, url } = await gateway();
    const res = await rawGet(url, path, [['X-Stepgate-User', 'root']]);
    expect(res.status).toBe(200);
    expect(gw.upstream.received.map((r) => r.url)).toEqual([path]);
    expect(gw.upstream.received[0]?.headers['x-stepgate-user']).toBeUndefined();
    const upgrade = await rawUpgrade(url, path);
    expect(upgrade.status).toBe(101);
  });

  it('forwards such a path to a signed-in session unchanged, on the fast path and through Express', async () => {
    const { gw, url } = await gateway();
    const { cookie } = await signIn(gw, 'alice');
    const withSession: [string, string][] = [['Cookie', cookie ?? '']];
    const express = await rawGet(url, '/private/..%2Fpublic/x', withSession); // renews: Express
    expect(express.headers['set-cookie']).toBeDefined();
    const fast = await rawGet(url, '/private/..;/public/x', withSession);
    expect(fast.headers['set-cookie']).toBeUndefined();
    gw.clock.advance(MINUTE);
    const absoluteForm = await rawGet(url, absolute(url, '/private/..%2Fpublic/x'), withSession);
    for (const res of [express, fast, absoluteForm]) expect(res.status).toBe(200);
    expect(gw.upstream.received.map((r) => [r.url, r.headers['x-stepgate-user']])).toEqual([
      ['/private/..%2Fpublic/x', 'alice'],
      ['/private/..;/public/x', 'alice'],
      ['/private/..%2Fpublic/x', 'alice'],
    ]);
    const upgrade = await rawUpgrade(url, '/private/..%2Fpublic/x', withSession);
    expect(upgrade.status).toBe(101);
  });
});
