/**
 * What stepgate refuses at /oidc/callback, through a real provider (oidc-provider) and real
 * sockets: ID tokens that fail a check (nonce, audience, expiry, issuer, signature), codes and
 * states used twice, answers brought to a browser that did not start the sign-in (login CSRF),
 * and a provider that is down. Each refusal is a 401 or 503 with a stable code, never a 500, and
 * signs nobody in.
 */
import { describe, expect, it } from 'vitest';
import { BASE } from '../helpers/flow.js';
import {
  Browser,
  CALLBACK_PATH,
  oidcGateway,
  signInAtProvider,
  type IdTokenChange,
} from '../helpers/oidc-provider.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

const JSON_TYPE = 'application/json';

/** Whether this browser's session at the gateway is signed in. */
async function signedIn(browser: Browser, url: string): Promise<boolean> {
  const res = await browser.get(`${url}${BASE}/login`, JSON_TYPE);
  return res.body.signed_in === true;
}

/** The provider's answer to a sign-in whose ID token was changed as `change` says, at the callback. */
async function answerWithChangedToken(change: IdTokenChange) {
  const { idp, url } = await oidcGateway();
  const browser = new Browser();
  const callback = await signInAtProvider(browser, url);
  idp.alterNextIdToken(change);
  const res = await browser.get(callback, JSON_TYPE);
  return { res, browser, url, idp };
}

const now = () => Math.floor(Date.now() / 1000);

describe('ID tokens that fail a check', () => {
  it('refuses a token signed with a key that is not in the provider’s JWKS', async () => {
    const { res, browser, url, idp } = await answerWithChangedToken({ signWith: 'stranger' });
    expect(idp.tokensIssued).toBe(1);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'oidc_rejected',
      message: "Your identity provider's answer could not be accepted. Try signing in again.",
    });
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('refuses a token for another audience', async () => {
    const { res, browser, url } = await answerWithChangedToken({
      claims: (claims) => ({ ...claims, aud: 'another-application' }),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('refuses a token that has expired', async () => {
    const { res, browser, url } = await answerWithChangedToken({
      claims: (claims) => ({ ...claims, iat: now() - 7200, exp: now() - 3600 }),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('refuses a token from another issuer', async () => {
    const { res } = await answerWithChangedToken({
      claims: (claims) => ({ ...claims, iss: 'https://idp.evil.example' }),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
  });

  it('refuses a token without a nonce', async () => {
    const { res } = await answerWithChangedToken({
      claims: ({ nonce: _nonce, ...claims }) => claims,
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
  });

  it('refuses a token the provider issued for another nonce than the one this sign-in sent', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    const start = await browser.get(`${url}${BASE}/oidc/login`);
    // Someone in the middle swaps the nonce: the provider signs a genuine token with that one.
    const authorization = new URL(start.location ?? '');
    authorization.searchParams.set('nonce', 'a-nonce-of-some-other-sign-in-0123456789abc');
    const back = await browser.follow(authorization, (next) => next.pathname === CALLBACK_PATH);
    const res = await browser.get(new URL(back.location ?? ''), JSON_TYPE);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('signs in with the same token unchanged (the changes above are what is refused)', async () => {
    const { res, browser, url } = await answerWithChangedToken({ claims: (claims) => claims });
    expect(res.status).toBe(200);
    expect(await signedIn(browser, url)).toBe(true);
  });
});

describe('answers used twice', () => {
  it('refuses the same callback again once it signed in, in the same browser', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    const callback = await signInAtProvider(browser, url);
    expect((await browser.get(callback, JSON_TYPE)).status).toBe(200);
    const again = await browser.get(callback, JSON_TYPE);
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('oidc_unbound');
  });

  it('refuses a state used before even with a copy of its cookie', async () => {
    const { url } = await oidcGateway();
    const attacker = new Browser();
    const callback = await signInAtProvider(attacker, url);
    const copy = attacker.jar(url).header();
    expect((await attacker.get(callback, JSON_TYPE)).status).toBe(200);

    const replayer = new Browser();
    replayer
      .jar(url)
      .take(
        new Response(null, { headers: copy.split('; ').map((c) => ['set-cookie', c] as [string, string]) }),
      );
    const res = await replayer.get(callback, JSON_TYPE);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_replayed');
    expect(await signedIn(replayer, url)).toBe(false);
  });

  it('refuses a code already redeemed, brought back under a fresh sign-in of the same browser', async () => {
    const { url, idp } = await oidcGateway();
    const browser = new Browser();
    const first = await signInAtProvider(browser, url);
    expect((await browser.get(first, JSON_TYPE)).status).toBe(200);

    // A second sign-in's state and cookie, with the first sign-in's code: the provider refuses it.
    const second = await signInAtProvider(browser, url);
    const replayed = new URL(second);
    replayed.searchParams.set('code', first.searchParams.get('code') ?? '');
    const res = await browser.get(replayed, JSON_TYPE);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_rejected');
    expect(idp.tokensIssued).toBe(1);
  });
});

describe('answers brought to a browser that did not start the sign-in (login CSRF)', () => {
  it('refuses a callback made in another browser, whether or not this one started a sign-in', async () => {
    const { url, idp } = await oidcGateway();
    idp.signInAs({ sub: 'mallory', email: 'mallory@example.org' });
    const attacker = new Browser();
    const planted = await signInAtProvider(attacker, url, '/settings');

    const victim = new Browser();
    const res = await victim.get(planted, JSON_TYPE);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('oidc_unbound');
    expect(await signedIn(victim, url)).toBe(false);

    idp.signInAs({ sub: 'victim', email: 'victim@example.org' });
    await signInAtProvider(victim, url); // the victim's own sign-in, left at the provider's answer
    const again = await victim.get(planted, JSON_TYPE);
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('oidc_unbound');
    expect(await signedIn(victim, url)).toBe(false);
    expect(idp.tokensIssued).toBe(0);
  });

  it('refuses a callback without a state, with an unknown state, or with a forged cookie', async () => {
    const { url, idp } = await oidcGateway();
    const browser = new Browser();
    const callback = await signInAtProvider(browser, url);
    const state = callback.searchParams.get('state') ?? '';

    const withoutState = new URL(callback);
    withoutState.searchParams.delete('state');
    const unknownState = new URL(callback);
    unknownState.searchParams.set('state', 'x'.repeat(43));

    const forger = new Browser();
    const cookie = `stepgate_session_oidc=${state}.eyJuIjoiYSIsInYiOiJiIiwiciI6Ii8iLCJ4Ijo5OTk5OTk5OTk5OTk5fQ.bm90LWEtbWFj`;
    forger.jar(url).take(new Response(null, { headers: [['set-cookie', cookie]] }));

    for (const [who, target] of [
      [browser, withoutState],
      [browser, unknownState],
      [forger, callback],
    ] as const) {
      const res = await who.get(target, JSON_TYPE);
      expect(res.status, target.href).toBe(401);
      expect(res.body.error).toBe('oidc_unbound');
    }
    expect(idp.tokensIssued).toBe(0);
    // The browser that started it can still finish: none of the above used its sign-in up.
    expect((await browser.get(callback, JSON_TYPE)).status).toBe(200);
  });

  it('shows a browser a page, not a stack trace', async () => {
    const { url } = await oidcGateway();
    const res = await new Browser().get(`${url}${CALLBACK_PATH}?code=x&state=${'y'.repeat(43)}`);
    expect(res.status).toBe(401);
    expect(res.text).toMatch(/^<!doctype html>/i);
    expect(res.text).toContain('This sign-in was not started in this browser, or it took too long.');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe('a provider that refuses, is down, or does not answer', () => {
  it('says the provider did not sign the person in when it answers with an error', async () => {
    const { url, idp } = await oidcGateway();
    idp.refuseNext();
    const browser = new Browser();
    const res = await browser.get(await signInAtProvider(browser, url), JSON_TYPE);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'oidc_idp_refused',
      message: 'Your identity provider did not sign you in. Try again, or ask your administrator.',
    });
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('answers 503 when the discovery document cannot be read, and signs in once it can', async () => {
    const { url, idp } = await oidcGateway();
    idp.setMode('dropping');
    const browser = new Browser();
    const json = await browser.get(`${url}${BASE}/oidc/login`, JSON_TYPE);
    expect(json.status).toBe(503);
    expect(json.body).toEqual({
      error: 'oidc_unavailable',
      message: 'Your identity provider is not answering right now. Try again shortly.',
    });
    const page = await browser.get(`${url}${BASE}/oidc/login`);
    expect(page.status).toBe(503);
    expect(page.text).toContain('Your identity provider is not answering right now.');

    idp.setMode('up');
    const res = await browser.get(await signInAtProvider(browser, url), JSON_TYPE);
    expect(res.status).toBe(200);
  });

  it('answers 503 for an issuer where nothing listens', async () => {
    const { url } = await oidcGateway({
      issuer: (await deadUpstreamUrl()).replace('127.0.0.1', 'localhost'),
    });
    const res = await new Browser().get(`${url}${BASE}/oidc/login`, JSON_TYPE);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('oidc_unavailable');
  });

  it('answers 503 when the provider goes down between the sign-in and the code exchange', async () => {
    const { url, idp } = await oidcGateway();
    const browser = new Browser();
    const callback = await signInAtProvider(browser, url);
    idp.setMode('dropping');
    const res = await browser.get(callback, JSON_TYPE);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('oidc_unavailable');
    expect(await signedIn(browser, url)).toBe(false);
  });

  it('answers 503 when the provider does not answer within logins.oidc.timeout', async () => {
    const { url, idp } = await oidcGateway({ oidc: { timeout: '1s' } });
    const browser = new Browser();
    const callback = await signInAtProvider(browser, url);
    idp.setMode('hanging');
    const res = await browser.get(callback, JSON_TYPE);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('oidc_unavailable');
  });
});
