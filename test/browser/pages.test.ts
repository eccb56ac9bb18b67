/**
 * Every page a person or a help desk sees, in headless Chromium: each one is checked by axe-core
 * for WCAG 2.2 A/AA problems (none allowed), reports no Content-Security-Policy violation, and,
 * with STEPGATE_SCREENSHOTS=1, is saved to docs/screens/ (docs/screens/README.md lists them).
 * Along the way: one method at a time and "Try another way", the notice after a number proved in
 * the same sign-in, a confirmation before the help desk removes a mobile, times shown in the
 * viewer's zone, the demo application's sign-out, error pages that lead on, the French pages and
 * a branded sign-in page.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { startDemoSite, type DemoSite } from '../helpers/demo.js';
import { BOB_MOBILE, NEW_MOBILE, directUser, issueTemporaryCode } from '../helpers/flow.js';
import { TEST_PASSWORD, TEST_USERS, type TestGateway } from '../helpers/gateway.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeText: string | undefined;
const axeSource = async () => (axeText ??= await readFile(AXE, 'utf8'));
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];

const USERS = {
  ...TEST_USERS,
  bob: directUser({ email: 'bob@example.com', mobile: BOB_MOBILE }),
  dana: directUser({ email: 'dana@example.com' }),
  helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }),
};

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's findings on the page as it is now, one line each; none is the goal. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through DevTools, which the page's Content-Security-Policy does not govern: an
  // inline <script> (addScriptTag) would be refused by it, as it should be.
  await page.evaluate(await axeSource());
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, { runOnly: { type: 'tag', values: tags } })) as {
      violations: AxeViolation[];
    };
    return result.violations;
  }, AXE_TAGS);
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? '?'}): ${v.help} at ${n.target.join(' ')}`),
  );
}

/** WCAG 2.2 contrast of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r = 0, g = 0, bl = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi = 0, lo = 0] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * What axe-core does not measure: the edges of fields and of outlined buttons at 3:1 against the
 * card (WCAG 1.4.11), buttons in the page's own font, and a visible focus ring (2.4.7).
 */
async function expectDrawnToContrast(page: Page): Promise<void> {
  const style = (selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((element) => {
        const s = getComputedStyle(element);
        return {
          border: s.borderTopColor,
          edge: parseFloat(s.borderTopWidth),
          font: s.fontFamily,
          size: s.fontSize,
        };
      });
  const white = 'rgb(255, 255, 255)';
  const body = await style('body');
  const field = await style('input#username');
  expect(field.edge).toBeGreaterThanOrEqual(1);
  expect(contrast(field.border, white)).toBeGreaterThanOrEqual(3);
  const button = await style('button');
  expect(button.font).toBe(body.font);
  expect(button.size).toBe(body.size);
  await page.evaluate(() => {
    const outlined = document.createElement('button');
    outlined.className = 'secondary';
    outlined.id = 'probe';
    document.querySelector('main')?.append(outlined);
  });
  const outlined = await style('#probe');
  expect(outlined.edge).toBeGreaterThanOrEqual(1);
  expect(contrast(outlined.border, white)).toBeGreaterThanOrEqual(3);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement ?? document.body);
    return { outline: s.outlineStyle, width: s.outlineWidth };
  });
  expect(focused.outline).not.toBe('none');
  expect(parseFloat(focused.width)).toBeGreaterThanOrEqual(2);
  await page.reload();
}

function codeFor(gw: TestGateway, channel: 'sms' | 'email', to: string): string {
  const message = gw
    .outbox()
    .filter((m) => m.channel === channel && m.to === to)
    .at(-1);
  const code = /\b\d{6}\b/.exec(message?.body ?? '')?.[0];
  if (!code) throw new Error(`no ${channel} code was sent to ${to}`);
  return code;
}

describe('every page, in a browser, against axe-core', () => {
  let site: DemoSite | undefined;
  let branded: DemoSite | undefined;
  let gw: TestGateway;
  let url: string;
  let browser: Browser | undefined;
  const checked: string[] = [];

  beforeAll(async () => {
    site = await startDemoSite({ users: USERS });
    ({ gw, url } = site);
    const logo = join(await mkdtemp(join(tmpdir(), 'stepgate-logo-')), 'logo.svg');
    await writeFile(
      logo,
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" rx="8" fill="#7a1f5c"/><circle cx="20" cy="20" r="9" fill="#fff"/></svg>',
    );
    branded = await startDemoSite({
      users: USERS,
      config: {
        branding: {
          organisation: 'Example Org',
          logo_file: logo,
          colours: { accent: '#7a1f5c', background: '#fbf6ef' },
        },
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await branded?.close();
  });

  async function newContext(options: { locale?: string; width?: number } = {}): Promise<BrowserContext> {
    if (!browser) throw new Error('no browser');
    return browser.newContext({
      viewport: { width: options.width ?? 800, height: 600 },
      locale: options.locale ?? 'en-GB',
      timezoneId: 'Europe/Paris',
    });
  }

  /** A page that records what Chromium reports about the Content-Security-Policy. */
  async function watchedPage(context: BrowserContext): Promise<{ page: Page; cspViolations: string[] }> {
    const page = await context.newPage();
    page.setDefaultTimeout(5_000);
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
    return { page, cspViolations };
  }

  /** The page as it stands: no axe-core violation; saved as `name` for the docs. */
  async function check(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('load');
    expect(await axeViolations(page), `${name}: ${page.url()}`).toEqual([]);
    await screenshot(page, name);
    checked.push(name);
  }

  async function signIn(page: Page, user: string, base = url): Promise<void> {
    await page.goto(`${base}/_stepgate/login?return_to=%2Freports`);
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs in, declines the mobile prompt, confirms by email and signs out from the application', async () => {
    const context = await newContext();
    const { page, cspViolations } = await watchedPage(context);

    await page.goto(`${url}/reports?week=12`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await check(page, '01-sign-in.png');
    await expectDrawnToContrast(page);

    // The check finds what it should: a field without a label is a violation.
    await page.evaluate(() => document.querySelector('form')?.append(document.createElement('input')));
    expect((await axeViolations(page)).join('\n')).toMatch(/^label \(critical\)/m);
    await page.reload();

    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The username or password is incorrect.').waitFor();
    await check(page, '02-sign-in-refused.png');

    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/_stepgate/mobile`);
    await check(page, '03-mobile-prompt.png');

    await page.getByRole('button', { name: /continue with email/ }).click();
    await page.waitForURL(`${url}/_stepgate/confirm`);
    // alice has email alone: no "Try another way", one button.
    expect(await page.getByRole('link', { name: 'Try another way' }).count()).toBe(0);
    await check(page, '04-confirm-email.png');

    // Back to the prompt she declined: the sign-in has moved on, and so does the page.
    await page.goBack();
    await page.waitForURL(`${url}/_stepgate/confirm`);
    await page.getByRole('heading', { name: 'Confirm your identity' }).waitFor();

    await page.getByRole('button', { name: /^Email a code to / }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await check(page, '05-enter-code.png');
    await page.getByLabel('Code from the email').fill(codeFor(gw, 'email', 'alice@example.com'));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(`${url}/reports?week=12`);
    await page.getByRole('heading', { name: 'Demo application' }).waitFor();
    await screenshot(page, '06-application.png');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${url}/_stepgate/settings`);
    await page.getByRole('heading', { name: 'Your sign-in settings' }).waitFor();
    expect(await page.getByRole('link', { name: 'Back to the application' }).getAttribute('href')).toBe(
      '/reports?week=12',
    );
    // Times in the viewer's own zone (Paris here), by the page's one script; UTC as the tooltip.
    const time = page.locator('time').first();
    expect(await time.getAttribute('title')).toMatch(/ UTC$/);
    expect(await time.innerText()).not.toMatch(/UTC/);
    await check(page, '07-settings.png');

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    await page.getByLabel('Name of this device').fill('Work phone');
    await check(page, '08-authenticator-setup.png');

    await page.goto(`${url}/reports`);
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    await check(page, '09-sign-out.png');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await check(page, '10-signed-out.png');
    await page.goto(`${url}/reports`);
    expect(new URL(page.url()).pathname).toBe('/_stepgate/login');

    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('explains the other way after a number proved in this sign-in, and offers one method at a time', async () => {
    const context = await newContext();
    const { page, cspViolations } = await watchedPage(context);
    await signIn(page, 'dana');
    await page.waitForURL(`${url}/_stepgate/mobile`);
    await page.getByLabel('Mobile number').fill(NEW_MOBILE);
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByRole('heading', { name: 'Enter the code we texted you' }).waitFor();
    await check(page, '11-mobile-code.png');
    await page.getByLabel('Code from the text message').fill(codeFor(gw, 'sms', NEW_MOBILE));
    await page.getByRole('button', { name: 'Verify number' }).click();
    await page.waitForURL(`${url}/_stepgate/confirm`);
    await page.getByText('You have just added the mobile number').waitFor();
    await check(page, '12-confirm-new-mobile.png');
    await context.close();

    // bob has a mobile and a temporary code: SMS first (the stronger), the code behind "Try another way".
    await issueTemporaryCode(gw, 'bob');
    const other = await newContext();
    const { page: bob, cspViolations: bobViolations } = await watchedPage(other);
    await signIn(bob, 'bob');
    await bob.waitForURL(`${url}/_stepgate/confirm`);
    expect(await bob.getByRole('button').allInnerTexts()).toEqual([
      'Text a code to +1 ••• ••• ••23',
      'Sign out',
    ]);
    await check(bob, '13-confirm-sms.png');
    await bob.getByRole('link', { name: 'Try another way' }).click();
    await bob.getByRole('heading', { name: 'Choose how to confirm it is you' }).waitFor();
    await check(bob, '14-confirm-choose.png');
    await bob.getByRole('link', { name: /^Temporary code from your help desk/ }).click();
    await bob.getByLabel('The code your help desk gave you').waitFor();
    await check(bob, '15-confirm-temporary-code.png');

    expect([...cspViolations, ...bobViolations]).toEqual([]);
    await other.close();
  });

  it('shows the help desk who is signed in, asks before removing a mobile, and reads the history', async () => {
    const context = await newContext({ width: 1100 });
    const { page, cspViolations } = await watchedPage(context);
    await signIn(page, 'helen');
    await page.waitForURL(`${url}/_stepgate/mobile`);
    await page.getByRole('button', { name: /continue with email/ }).click();
    await page.getByRole('button', { name: /^Email a code to / }).click();
    await page.getByLabel('Code from the email').fill(codeFor(gw, 'email', 'helen@example.com'));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(`${url}/reports`);

    await page.goto(`${url}/_stepgate/settings`);
    await page.getByRole('link', { name: 'Help desk console' }).click();
    await page.getByRole('heading', { name: 'Help desk: identity confirmation' }).waitFor();
    await check(page, '16-help-desk.png');

    await page.getByLabel('Username').fill('bob');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'bob', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Signed in now' }).waitFor();
    await check(page, '17-help-desk-user.png');

    await page.getByRole('link', { name: 'Remove the mobile number' }).click();
    await page.getByRole('heading', { name: "Remove bob's mobile number?" }).waitFor();
    await check(page, '18-help-desk-remove-mobile.png');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'bob', exact: true }).waitFor();

    await page.getByLabel('Valid for (whole hours, 1 to 24)').fill('2');
    await page.getByRole('button', { name: 'Issue a temporary code' }).click();
    await page.getByRole('heading', { name: 'Temporary code for bob' }).waitFor();
    await check(page, '19-help-desk-temporary-code.png');

    await page.getByRole('link', { name: 'Verification history' }).click();
    await page.getByRole('heading', { name: 'Verification history' }).waitFor();
    await page.getByLabel('Status').selectOption('Succeeded');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('link', { name: 'Clear the filters' }).waitFor();
    await check(page, '20-help-desk-history.png');

    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('leads on from error pages, speaks French when asked, and wears the organisation’s branding', async () => {
    const context = await newContext();
    const { page, cspViolations } = await watchedPage(context);
    await page.goto(`${url}/_stepgate/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await page.getByText(/^Reference: [0-9A-Z]{4}-[0-9A-Z]{4}\./).count()).toBe(1);
    await check(page, '21-not-found.png');
    await page.goto(`${url}/_stepgate/settings`);
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    await check(page, '22-sign-in-required.png');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await context.close();

    const french = await newContext({ locale: 'fr-FR' });
    const { page: fr, cspViolations: frViolations } = await watchedPage(french);
    await fr.goto(`${url}/_stepgate/login`);
    await fr.getByRole('heading', { name: 'Connexion' }).waitFor();
    await check(fr, '23-sign-in-fr.png');
    await french.close();

    const brandedContext = await newContext();
    const { page: brand, cspViolations: brandViolations } = await watchedPage(brandedContext);
    await brand.goto(`${branded?.url ?? ''}/_stepgate/login`);
    await brand.getByText('Example Org').waitFor();
    expect(
      await brand.locator('header img').evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBeGreaterThan(0);
    expect(await brand.locator('button').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(
      'rgb(122, 31, 92)',
    );
    await check(brand, '24-branded-sign-in.png');

    expect([...cspViolations, ...frViolations, ...brandViolations]).toEqual([]);
    await brandedContext.close();
  });
});
