/**
 * The pages under their strict Content-Security-Policy, in headless Chromium: no page reports a
 * violation, the styles still apply, the forms still submit, the QR code still shows, and no other
 * page can frame them (frame-ancestors 'none'). A violation is caught from Chromium's console,
 * where it reports every one; the first test proves that this detection works.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startDemoSite, type DemoSite } from '../helpers/demo.js';
import { directUser, totpAt } from '../helpers/flow.js';
import { TEST_PASSWORD, TEST_USERS, type TestGateway } from '../helpers/gateway.js';

const USERS = {
  ...TEST_USERS,
  helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }),
};

/** A page that records what Chromium reports about the Content-Security-Policy. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; violations: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  return { page, violations };
}

function codeFor(gw: TestGateway, to: string): string {
  const message = gw
    .outbox()
    .filter((m) => m.channel === 'email' && m.to === to)
    .at(-1);
  const code = /\b\d{6}\b/.exec(message?.body ?? '')?.[0];
  if (!code) throw new Error(`no code was emailed to ${to}`);
  return code;
}

/** Signs in at the form, declines the mobile prompt and confirms by the emailed code. */
async function signInAndConfirm(page: Page, gw: TestGateway, url: string, user: string): Promise<void> {
  await page.goto(`${url}/_stepgate/login?return_to=%2Freports`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/_stepgate/mobile`);
  await page.getByRole('button', { name: /continue with email/ }).click();
  await page.waitForURL(`${url}/_stepgate/confirm`);
  await page.getByRole('button', { name: /^Email a code to / }).click();
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  await page.getByLabel('Code from the email').fill(codeFor(gw, `${user}@example.com`));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(`${url}/reports`);
}

const backgroundOf = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => getComputedStyle(element).backgroundColor);

describe('the pages under their Content-Security-Policy, in a browser', () => {
  let site: DemoSite | undefined;
  let gw: TestGateway;
  let url: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    site = await startDemoSite({ users: USERS });
    ({ gw, url } = site);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function newContext(): Promise<BrowserContext> {
    if (!browser) throw new Error('no browser');
    return browser.newContext({ viewport: { width: 900, height: 700 } });
  }

  it('reports a style the policy does not allow (the detection works)', async () => {
    const context = await newContext();
    const { page, violations } = await watchedPage(context);
    await page.goto(`${url}/_stepgate/login`);
    expect(violations).toEqual([]);
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body{background:red}';
      document.head.append(style);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await backgroundOf(page, 'body')).toBe('rgb(245, 246, 248)');
    await context.close();
  });

  it('walks sign-in, prompt, challenge, settings and the authenticator set-up without a violation', async () => {
    const context = await newContext();
    const { page, violations } = await watchedPage(context);

    await page.goto(`${url}/_stepgate/login`);
    // The page's own style block applies: the policy allows it by its hash.
    expect(await backgroundOf(page, 'body')).toBe('rgb(245, 246, 248)');
    expect(await backgroundOf(page, 'button')).toBe('rgb(36, 80, 178)');

    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The username or password is incorrect.').waitFor();

    await signInAndConfirm(page, gw, url, 'alice');
    await page.getByRole('heading', { name: 'Demo application' }).waitFor();

    await page.goto(`${url}/_stepgate/settings`);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    const qr = await page
      .getByRole('img', { name: 'QR code for your authenticator app' })
      .locator('svg')
      .boundingBox();
    expect(qr?.height).toBeGreaterThan(120);
    const secret = await page.locator('code').innerText();
    await page.getByLabel('Code from the app').fill(totpAt(secret.replace(/\s/g, ''), gw.clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('An authenticator app is set up.').waitFor();

    await page.goto(`${url}/_stepgate/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await backgroundOf(page, '.error')).toBe('rgb(253, 232, 232)');

    expect(violations).toEqual([]);
    await context.close();
  });

  it('shows the help-desk pages, with their wide layout, without a violation', async () => {
    const context = await newContext();
    const { page, violations } = await watchedPage(context);
    await signInAndConfirm(page, gw, url, 'helen');
    await page.goto(`${url}/_stepgate/admin`);
    await page.getByLabel('Username').fill('alice');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'How alice confirms' }).waitFor();
    const main = await page.locator('main').boundingBox();
    expect(main?.width).toBeGreaterThan(600);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('cannot be framed by another page', async () => {
    const context = await newContext();
    const { page, violations } = await watchedPage(context);
    await page.setContent(`<h1>Somebody else's page</h1><iframe src="${url}/_stepgate/login"></iframe>`);
    await expect.poll(() => violations.some((text) => text.includes("frame-ancestors 'none'"))).toBe(true);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(await frame?.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    await context.close();
  });
});
