/**
 * The whole sign-in as a person sees it, in headless Chromium: sign in, decline the mobile
 * prompt, confirm by an emailed code, reach the application, then open the settings and start
 * setting up an authenticator app. The screenshots of these pages, and of every other, are taken
 * by pages.test.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startDemoSite, type DemoSite } from '../helpers/demo.js';
import { TEST_PASSWORD, TEST_USERS, type TestGateway } from '../helpers/gateway.js';

/** The value the demo application shows for one header, as the visible text of its table cell. */
function shownHeader(page: Page, name: string) {
  return page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name, exact: true }) })
    .getByRole('cell');
}

describe('signing in with a browser', () => {
  let site: DemoSite | undefined;
  let gw: TestGateway;
  let url: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    site = await startDemoSite();
    ({ gw, url } = site);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('signs alice in, confirms her by email and shows the application and her settings', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    page.setDefaultTimeout(5_000);

    await page.goto(`${url}/reports?week=12`);
    expect(new URL(page.url()).pathname).toBe('/_stepgate/login');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/_stepgate/mobile`);
    await page.getByRole('heading', { name: 'Add your mobile number' }).waitFor();

    await page.getByRole('button', { name: /continue with email/ }).click();
    await page.waitForURL(`${url}/_stepgate/confirm`);
    await page.getByRole('heading', { name: 'Confirm your identity' }).waitFor();

    await page.getByRole('button', { name: /^Email a code to / }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();

    const emails = gw.outbox().filter((m) => m.channel === 'email' && m.to === TEST_USERS.alice?.email);
    expect(emails).toHaveLength(1);
    const code = /\b\d{6}\b/.exec(emails[0]?.body ?? '')?.[0];
    expect(code, 'a 6-digit code in the email').toBeDefined();
    await page.getByLabel('Code from the email').fill(code ?? '');
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.waitForURL(`${url}/reports?week=12`);
    await page.getByRole('heading', { name: 'Demo application' }).waitFor();
    expect(await shownHeader(page, 'x-stepgate-user').innerText()).toBe('alice');
    expect(await shownHeader(page, 'x-stepgate-confirmation').innerText()).toBe('email');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${url}/_stepgate/settings`);
    await page.getByRole('heading', { name: 'Your sign-in settings' }).waitFor();

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    const qr = await page
      .getByRole('img', { name: 'QR code for your authenticator app' })
      .locator('svg')
      .boundingBox();
    const card = await page.locator('main').boundingBox();
    // The QR code fits inside the card at a size a phone camera takes in at once.
    expect(qr && card && qr.x >= card.x && qr.x + qr.width <= card.x + card.width).toBe(true);
    expect(qr?.height).toBeGreaterThan(120);
    expect(qr?.height).toBeLessThanOrEqual(300);
    expect(await page.getByLabel('Code from the app').isVisible()).toBe(true);

    await context.close();
  });
});
