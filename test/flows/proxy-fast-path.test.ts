/**
 * The proxied requests of confirmed sessions skip Express and express-session (fast-path.ts).
 * These tests hold that path to what the full one would do, and check every case it hands over.
 */
import request from 'supertest';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type session from 'express-session';
import { BoundedMemorySessionStore } from '../../adapters/memory/session-store.js';
import { renewalInterval } from '../../gateway/flows/proxy/fast-path.js';
import { sessionIdFromCookie } from '../../gateway/http/session-cookie.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';
import { startGateway } from '../helpers/gateway.js';
import {
  BASE,
  FLOW_USERS,
  HOUR,
  MINUTE,
  TEST_SESSION_SECRET,
  flowGateway,
  sessionCookie,
  signIn,
  signOut,
  type FlowGateway,
} from '../helpers/flow.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

/** A memory store that counts reads and can be told to fail them, like a Redis that went away. */
class FlakyStore extends BoundedMemorySessionStore {
  reads = 0;
  failing = false;
  override get(sid: string, callback: (err: unknown, data?: session.SessionData | null) => void): void {
    this.reads++;
    if (this.failing) return callback(new Error('connection refused'));
    super.get(sid, callback);
  }
  // The fast path's own read (ports.ts SessionPeek) fails with the store.
  override peek(
    sid: string,
    callback: (err: unknown, data?: Readonly<session.SessionData> | null) => void,
  ): void {
    this.reads++;
    if (this.failing) return callback(new Error('connection refused'));
    super.peek(sid, callback);
  }
}

function setsCookie(res: request.Response): boolean {
  return sessionCookie(res) !== undefined;
}

async function signedIn(gw: FlowGateway) {
  const { agent, cookie } = await signIn(gw, 'alice');
  if (!cookie) throw new Error('signing in set no session cookie');
  return { agent, cookie };
}

describe('the fast path for confirmed sessions', () => {
  it('reads the session id exactly as express-session signed it', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { cookie } = await signedIn(gw);
    const sid = sessionIdFromCookie(cookie, 'stepgate_session', TEST_SESSION_SECRET);
    expect(sid).toBeDefined();
    const stored = await new Promise<session.SessionData | null | undefined>((resolve, reject) =>
      gw.ports.sessions.get(sid ?? '', (error, data) => (error ? reject(error) : resolve(data))),
    );
    expect(stored?.auth?.user).toBe('alice');
    expect(
      sessionIdFromCookie(cookie, 'stepgate_session', 'another-secret-that-is-long-enough'),
    ).toBeUndefined();
  });

  it('forwards with the identity headers, and renews the session at most once a minute', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent } = await signedIn(gw);

    const first = await agent.get('/app/one');
    expect(first.status).toBe(200);
    expect(setsCookie(first)).toBe(true); // renewed by express-session (rolling)
    const second = await agent.get('/app/two');
    expect(second.status).toBe(200);
    expect(setsCookie(second)).toBe(false); // forwarded without renewal
    for (const echoed of gw.upstream.received) {
      expect(echoed.headers['x-stepgate-user']).toBe('alice');
      expect(echoed.headers['x-stepgate-confirmation']).toBe('skipped');
      expect(echoed.headers.cookie ?? '').not.toContain('stepgate_session');
    }

    gw.clock.advance(MINUTE - 1);
    expect(setsCookie(await agent.get('/app/three'))).toBe(false);
    gw.clock.advance(1);
    expect(setsCookie(await agent.get('/app/four'))).toBe(true);
    expect(gw.upstream.received.map((r) => r.url)).toEqual([
      '/app/one',
      '/app/two',
      '/app/three',
      '/app/four',
    ]);
  });

  it('renews when the clock was set back', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent } = await signedIn(gw);
    expect(setsCookie(await agent.get('/one'))).toBe(true);
    expect(setsCookie(await agent.get('/two'))).toBe(false);
    gw.clock.advance(-HOUR);
    expect(setsCookie(await agent.get('/three'))).toBe(true);
  });

  it('renews every tenth of the idle timeout when that is less than a minute', () => {
    expect(renewalInterval(30 * MINUTE)).toBe(MINUTE);
    expect(renewalInterval(5 * MINUTE)).toBe(30_000);
  });

  it('strips identity headers a client sent, on the fast path too', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent } = await signedIn(gw);
    await agent.get('/warm');
    await agent.get('/app').set('X-Stepgate-User', 'root').set('X-Forwarded-For', '203.0.113.9');
    const echoed = gw.upstream.received.at(-1);
    expect(echoed?.headers['x-stepgate-user']).toBe('alice');
    expect(echoed?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('does not forward a cookie with a wrong signature, or of a session that was signed out', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent, cookie } = await signedIn(gw);
    expect((await agent.get('/warm')).status).toBe(200);

    const tampered = cookie.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const refused = await request(gw.app).get('/app').set('Cookie', tampered);
    expect(refused.status).toBe(302);
    expect(refused.headers.location).toBe(`${BASE}/login?return_to=%2Fapp`);

    expect((await request(gw.app).get('/app').set('Cookie', cookie)).status).toBe(200);
    await signOut(agent);
    const after = await request(gw.app).get('/app').set('Cookie', cookie);
    expect(after.status).toBe(302);
    expect(gw.upstream.received.map((r) => r.url)).toEqual(['/warm', '/app']);
  });

  it('ends a session at its absolute timeout, however recently it was renewed', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent } = await signedIn(gw);
    expect((await agent.get('/warm')).status).toBe(200);
    gw.clock.advance(12 * HOUR + 1);
    const res = await agent.get('/app');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('sign_in_required');
    expect(gw.upstream.received.map((r) => r.url)).toEqual(['/warm']);
  });

  it("never forwards the gateway's own paths, in any letter case", async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { agent } = await signedIn(gw);
    await agent.get('/warm');
    const own = await agent.get('/_STEPGATE/login').set('Accept', 'application/json');
    expect(own.status).toBe(200);
    expect(own.body.signed_in).toBe(true);
    expect(gw.upstream.received.map((r) => r.url)).toEqual(['/warm']);
  });

  it('forwards paths that only begin like the base path, and survives garbled ones', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL, config: { upstream: { public_paths: ['/assets/'] } } });
    const { agent } = await signedIn(gw);
    await agent.get('/warm');
    expect((await agent.get('/_stepgateway/x')).status).toBe(200);
    expect((await request(gw.app).get('/assets/logo.png')).status).toBe(200);
    // Decodes to '//[', which the URL parser refuses: not public, and no crash.
    expect((await request(gw.app).get('/%2F%5B')).status).toBe(302);
    expect((await agent.get('/%2F%5B')).status).toBe(200);
    expect(gw.upstream.received.map((r) => r.url)).toEqual([
      '/warm',
      '/_stepgateway/x',
      '/assets/logo.png',
      '/%2F%5B',
    ]);
  });

  it('refuses WebSocket upgrades to its own paths, in any letter case', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { url } = await gw.listen();
    for (const path of ['/_stepgate/live', '/_STEPGATE/live?x=1', '/_stepgate']) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(url.replace('http', 'ws') + path);
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('error', () => resolve(-1));
      });
      expect(status, path).toBe(404);
    }
    expect(gw.upstream.received).toHaveLength(0);
  });

  it('answers 503 at once when the session store fails, reading it only once', async () => {
    const store = new FlakyStore({ max: 100, defaultTtlMs: 30 * MINUTE });
    const gw = await flowGateway({ policy: SKIP_ALL, sessions: store });
    const { agent } = await signedIn(gw);
    expect((await agent.get('/warm')).status).toBe(200);
    store.failing = true;
    const before = store.reads;
    const res = await agent.get('/app').set('Accept', 'application/json');
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('unavailable');
    expect(store.reads - before).toBe(1);
    store.failing = false;
    expect((await agent.get('/app')).status).toBe(200);
  });

  it('answers 502 with the usual page when the upstream is down, renewed or not', async () => {
    const gw = await startGateway({
      users: FLOW_USERS,
      policy: SKIP_ALL,
      upstreamUrl: await deadUpstreamUrl(),
    });
    try {
      const { agent } = await signIn(gw, 'alice');
      for (const path of ['/renewed', '/fast']) {
        const res = await agent.get(path).set('Accept', 'application/json');
        expect(res.status).toBe(502);
        expect(res.body.error).toBe('upstream_unavailable');
      }
      const page = await agent.get('/fast').set('Accept', 'text/html');
      expect(page.status).toBe(502);
      expect(page.text).toContain('not answering');
    } finally {
      await gw.close();
    }
  });
});
