/**
 * New-network sign-in notices (docs/sign-in-notices.md): after a challenge passes on a network
 * the user had not confirmed, an email says when, where from, how, and carries a link that
 * forgets that network and signs out its sessions — once, while in date, and only by a POST
 * from the page the link opens. Through the real flow, reading the outbox.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  DAY,
  NO_PROMPT,
  confirmBy,
  csrfTokenOf,
  flowGateway,
  jsonAgent,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';

const TRUST_LOOPBACK = { server: { trusted_proxies: ['127.0.0.1/32'] } };
const NOTICE_SUBJECT = 'New sign-in to your account from a new network';

function noticesTo(gw: FlowGateway, to: string) {
  return gw
    .outbox()
    .filter((entry) => entry.channel === 'email' && entry.to === to && entry.subject === NOTICE_SUBJECT);
}

function linkIn(body: string): string {
  const link = /https?:\/\/\S+\/networks\/revoke\?token=\S+/.exec(body)?.[0];
  if (!link) throw new Error(`no revoke link in: ${body}`);
  return link;
}

/** Signed in as alice from `ip` and confirmed by email. */
async function confirmedFrom(gw: FlowGateway, ip: string) {
  const { agent } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': ip }));
  await confirmBy(gw, agent, 'email', 'alice@example.com');
  return agent;
}

/** The link's path and query, as a browser on this gateway would request it. */
const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

describe('new-network sign-in notices', () => {
  it('emails when, the network, the place and the method after a challenge on a new network, once', async () => {
    const places = { placeOf: async (ip: string) => (ip === '203.0.113.7' ? 'Lyon, France' : undefined) };
    const gw = await flowGateway({ policy: NO_PROMPT, config: TRUST_LOOPBACK, places });
    await confirmedFrom(gw, '203.0.113.7');
    const [notice, ...more] = noticesTo(gw, 'alice@example.com');
    expect(more).toEqual([]);
    expect(notice?.body).toContain('When: 2026-01-15 09:00 UTC');
    expect(notice?.body).toContain('Network: 203.0.113.7/32');
    expect(notice?.body).toContain('Approximate place: Lyon, France');
    expect(notice?.body).toContain('Confirmed with: Email');
    expect(linkIn(notice?.body ?? '')).toMatch(
      /^http:\/\/localhost:8080\/_stepgate\/networks\/revoke\?token=/,
    );
    expect(gw.outbox().filter((entry) => entry.channel === 'sms')).toEqual([]);

    // The same network again is not challenged, and not notified.
    const { next } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': '203.0.113.7' }));
    expect(next).toBe('done');
    expect(noticesTo(gw, 'alice@example.com')).toHaveLength(1);
    // A GeoIP database that does not know the address: no place line.
    await confirmedFrom(gw, '198.51.100.4');
    expect(noticesTo(gw, 'alice@example.com').at(-1)?.body).not.toContain('Approximate place');
  });

  it('is turned off by a rule with notify: false', async () => {
    const policy = { ...NO_PROMPT, rules: [{ name: 'quiet', then: 'confirm', notify: false }] };
    const gw = await flowGateway({ policy, config: TRUST_LOOPBACK });
    await confirmedFrom(gw, '203.0.113.7');
    expect(noticesTo(gw, 'alice@example.com')).toEqual([]);
  });

  it('revokes the network and signs out its sessions by a POST from the link, once', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT, config: TRUST_LOOPBACK });
    const intruder = await confirmedFrom(gw, '203.0.113.7');
    const elsewhere = await confirmedFrom(gw, '198.51.100.4');
    const link = pathOf(linkIn(noticesTo(gw, 'alice@example.com')[0]?.body ?? ''));
    expect((await intruder.get('/app')).status).toBe(200);

    // A mail scanner follows the link: nothing changes.
    const scanned = await request(gw.app).get(link).set('Accept', 'text/html');
    expect(scanned.status).toBe(200);
    expect(scanned.text).toContain('203.0.113.7/32');
    expect(await gw.store.findRememberedNetwork('alice', '203.0.113.7/32')).toBeDefined();
    expect((await intruder.get('/app')).status).toBe(200);

    // A POST without the page's CSRF token is refused.
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const forged = await request(gw.app).post(`${BASE}/networks/revoke`).type('form').send({ token });
    expect(forged.status).toBe(403);

    const browser = request.agent(gw.app);
    const page = await browser.get(link).set('Accept', 'text/html');
    const done = await browser
      .post(`${BASE}/networks/revoke`)
      .type('form')
      .send({ token, _csrf: csrfTokenOf(page.text) });
    expect(done.status).toBe(200);
    expect(done.text).toContain('1 session(s)');
    expect(await gw.store.findRememberedNetwork('alice', '203.0.113.7/32')).toBeUndefined();
    expect(await gw.store.findRememberedNetwork('alice', '198.51.100.4/32')).toBeDefined();
    expect((await intruder.get('/app')).status).toBe(401);
    expect((await elsewhere.get('/app')).status).toBe(200);

    const again = await jsonAgent(gw).post(`${BASE}/networks/revoke`).send({ token });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe('link_used');
    const history = await gw.store.queryHistory({ user: 'alice', limit: 50 });
    expect(history.some((entry) => entry.detail?.includes('from a new-network notice'))).toBe(true);
  });

  it('refuses a forged link and an expired one', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT, config: TRUST_LOOPBACK });
    await confirmedFrom(gw, '203.0.113.7');
    const token =
      new URL(linkIn(noticesTo(gw, 'alice@example.com')[0]?.body ?? '')).searchParams.get('token') ?? '';
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const otherUser = Buffer.from(JSON.stringify({ ...claims, u: 'bob' })).toString('base64url');
    for (const bad of [`${otherUser}.${signature}`, `${payload}.${'A'.repeat(43)}`, 'nonsense']) {
      const res = await jsonAgent(gw).post(`${BASE}/networks/revoke`).send({ token: bad });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_link');
      expect(
        (await jsonAgent(gw).get(`${BASE}/networks/revoke?token=${encodeURIComponent(bad)}`)).status,
      ).toBe(400);
    }
    gw.clock.advance(8 * DAY);
    const expired = await jsonAgent(gw).post(`${BASE}/networks/revoke`).send({ token });
    expect(expired.status).toBe(410);
    expect(expired.body.error).toBe('link_expired');
    expect(await gw.store.findRememberedNetwork('alice', '203.0.113.7/32')).toBeDefined();
  });
});
