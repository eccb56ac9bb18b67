/**
 * Passkeys in a real browser: headless Chromium with the DevTools WebAuthn virtual authenticator
 * (a platform key with user verification) sets up a passkey from the settings page, then answers
 * a sign-in's challenge with it, through the pages and their served scripts alone. Then a page on
 * another origin relays the gateway's challenge to the same key: the browser signs it, and the
 * gateway refuses the answer, since it names the origin it was made on.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { ALWAYS, BASE, lastCode } from '../helpers/flow.js';
import { TEST_PASSWORD, TEST_USERS, startGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/processes.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

async function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** SimpleWebAuthn's browser bundle, as the look-alike page loads it from wherever it likes. */
async function browserBundle(): Promise<string> {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFile(join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

describe('passkeys in a browser', () => {
  let upstream: EchoUpstream | undefined;
  let gw: TestGateway | undefined;
  let server: Server | undefined;
  let lookAlike: Server | undefined;
  let browser: Browser | undefined;
  let url = '';
  let lookAlikeUrl = '';

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    // WebAuthn needs a host name for the relying party (an IP address is refused by browsers):
    // the gateway is http://localhost:<port>, which Chromium counts as a secure context.
    const port = await freePort();
    url = `http://localhost:${port}`;
    gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: ALWAYS,
      config: { server: { public_url: url } },
    });
    server = createServer(gw.app);
    await listen(server, port);
    const lookAlikePort = await freePort();
    lookAlikeUrl = `http://localhost:${lookAlikePort}`;
    lookAlike = createServer((_req, res) => res.end('<!doctype html><title>Sign in to your account</title>'));
    await listen(lookAlike, lookAlikePort);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await close(server);
    await close(lookAlike);
    await gw?.close();
    await upstream?.close();
  });

  /** Signs alice in at the form: the challenge page follows (every sign-in is challenged). */
  async function signInAtTheForm(page: Page): Promise<void> {
    await page.goto(`${url}${BASE}/login?return_to=%2Freports`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}${BASE}/confirm`);
  }

  it('sets up a passkey in the settings and confirms the next sign-in with it; a look-alike site cannot use it', async () => {
    if (!browser || !gw) throw new Error('not started');
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(message.text()))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });

    // First sign-in: an emailed code, then a passkey set up in the settings.
    await signInAtTheForm(page);
    await page.getByRole('button', { name: /^Email a code to / }).click();
    await page.getByLabel('Code from the email').fill(lastCode(gw, 'email', TEST_USERS.alice?.email ?? ''));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(`${url}/reports`);

    await page.goto(`${url}${BASE}/settings`);
    await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
    await page.getByRole('heading', { name: 'Add a passkey or security key' }).waitFor();
    await page.getByLabel('A name to tell it by').fill('This laptop');
    await page.getByRole('button', { name: 'Add it' }).click();
    await page.waitForURL(`${url}${BASE}/settings`);
    await page.getByRole('button', { name: 'Remove This laptop' }).waitFor();
    await screenshot(page, '08-passkey-settings.png');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.rpId).toBe('localhost');
    const [stored] = await gw.store.listCredentials('alice', 'webauthn');
    expect(stored?.name).toBe('This laptop');

    // Second sign-in: the passkey answers the challenge.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInAtTheForm(page);
    await page.getByRole('button', { name: 'Use a passkey or security key' }).click();
    await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    await screenshot(page, '09-passkey-challenge.png');
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.waitForURL(`${url}/reports`);
    expect(upstream?.received.at(-1)?.headers['x-stepgate-confirmation']).toBe('webauthn');
    expect((await gw.store.queryHistory({ user: 'alice', limit: 1 }))[0]).toMatchObject({
      method: 'webauthn',
      status: 'Succeeded',
    });
    expect(problems).toEqual([]);

    // A look-alike site relays a fresh challenge of the gateway (got with alice's stolen password)
    // to her browser. The key is the relying party's, so the browser signs; the gateway refuses.
    const attacker = request.agent(url).set('Accept', 'application/json');
    await attacker.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
    const relayed = await attacker.post(`${BASE}/confirm/send`).send({ method: 'webauthn' });
    expect(relayed.status).toBe(200);
    await page.goto(lookAlikeUrl);
    await page.addScriptTag({ content: await browserBundle() });
    const answer = await page.evaluate(
      (optionsJSON) =>
        (
          window as unknown as {
            SimpleWebAuthnBrowser: { startAuthentication(o: { optionsJSON: unknown }): Promise<unknown> };
          }
        ).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }),
      relayed.body.options as unknown,
    );
    expect(JSON.stringify(answer)).toContain(stored ? JSON.parse(stored.data).credentialId : 'no key');
    const refused = await attacker
      .post(`${BASE}/confirm/verify`)
      .send({ method: 'webauthn', response: answer });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_code');
    expect((await attacker.get('/reports')).status).toBe(401);

    await context.close();
  });
});
