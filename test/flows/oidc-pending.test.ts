/**
 * The OpenID Connect sign-ins a browser has under way are kept in one cookie of bounded size
 * (gateway/flows/oidc/pending.ts): a page that sends a browser to /oidc/login again and again, with
 * the longest return_to, cannot make that browser's requests too large for the host (nginx's 8 KB,
 * Node's 16 KB: 431 on every page, the callback that would clear them included). The newest
 * sign-ins go on; the oldest are pushed out. An over-long return_to is not kept at all.
 */
import { describe, expect, it } from 'vitest';
import { BASE } from '../helpers/flow.js';
import { Browser, oidcGateway, signInAtProvider } from '../helpers/oidc-provider.js';

const JSON_TYPE = 'application/json';
/** The longest return_to taken (docs/decisions.md). */
const RETURN_TO_MAX_LENGTH = 2048;
/** A whole Cookie header a browser sends, stepgate's cookies alone, well under nginx's 8 KB. */
const COOKIE_HEADER_BOUND = 4096;

/** The longest return_to taken, different each time. */
const longReturnTo = (n: number) => `/${String(n).padEnd(RETURN_TO_MAX_LENGTH - 1, 'r')}`;

/** The bytes of the Cookie header `browser` sends to the gateway at `url`. */
const cookieBytes = (browser: Browser, url: string) =>
  Buffer.byteLength(`Cookie: ${browser.jar(url).header()}`);

describe('sign-ins started again and again in one browser', () => {
  it('keep the Cookie header bounded, however many and however long their return_to', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    for (let n = 0; n < 12; n += 1) {
      const start = await browser.get(
        `${url}${BASE}/oidc/login?return_to=${encodeURIComponent(longReturnTo(n))}`,
      );
      expect(start.status).toBe(302);
      expect(cookieBytes(browser, url), `after ${n + 1} sign-ins`).toBeLessThanOrEqual(COOKIE_HEADER_BOUND);
    }
  });

  it('let the newest few finish and refuse the oldest, pushed out', async () => {
    const { url, idp } = await oidcGateway();
    const browser = new Browser();
    const callbacks: URL[] = [];
    for (let n = 0; n < 6; n += 1) callbacks.push(await signInAtProvider(browser, url, `/page/${n}`));
    expect(cookieBytes(browser, url)).toBeLessThanOrEqual(COOKIE_HEADER_BOUND);

    const oldest = await browser.get(callbacks[0] ?? '', JSON_TYPE);
    expect(oldest.status).toBe(401);
    expect(oldest.body.error).toBe('oidc_unbound');
    expect(idp.tokensIssued).toBe(0);

    const newest = await browser.get(callbacks[5] ?? '', JSON_TYPE);
    expect(newest.status, newest.text).toBe(200);
    expect(newest.body).toEqual({ next: 'done', redirect: '/page/5' });
    // The one before it was kept too, and finishes where it was asked to go.
    const before = await browser.get(callbacks[4] ?? '', JSON_TYPE);
    expect(before.body).toEqual({ next: 'done', redirect: '/page/4' });
  });

  it('with the longest return_to, the newest still finishes where it was asked to go', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    for (let n = 0; n < 5; n += 1) {
      await browser.get(`${url}${BASE}/oidc/login?return_to=${encodeURIComponent(longReturnTo(n))}`);
    }
    const callback = await signInAtProvider(browser, url, longReturnTo(99));
    expect(cookieBytes(browser, url)).toBeLessThanOrEqual(COOKIE_HEADER_BOUND);
    const done = await browser.get(callback, JSON_TYPE);
    expect(done.status, done.text).toBe(200);
    expect(done.body).toEqual({ next: 'done', redirect: longReturnTo(99) });
  });
});

describe('a return_to longer than the longest taken', () => {
  it('does not end up in the cookie, and the sign-in lands on the default page', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    const tooLong = `/${'x'.repeat(RETURN_TO_MAX_LENGTH)}`;
    const callback = await signInAtProvider(browser, url, tooLong);
    const cookie = browser.jar(url).header();
    expect(cookie.length).toBeLessThan(400);
    expect(cookie).toMatch(/^stepgate_session_oidc=/);
    const payload = (cookie.split('=')[1] ?? '').split('.')[1] ?? '';
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toMatchObject({ r: '/' });
    const done = await browser.get(callback, JSON_TYPE);
    expect(done.body).toEqual({ next: 'done', redirect: '/' });
  });
});
