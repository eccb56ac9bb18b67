/**
 * stepgate inside a real Keycloak, as an IdP admin deploys it: the provider JAR in providers/, the
 * browser flow duplicated with "stepgate identity confirmation" after the password, the required
 * action enabled, a SAML identity provider whose post-broker-login flow asks stepgate too. A real
 * `stepgate serve` answers the sidecar API; headless Chromium signs in to an OpenID Connect client
 * by the authorization-code flow, and the client exchanges the code Keycloak gives it.
 *
 * Run by `npm run test:keycloak` after the Maven build; with STEPGATE_SCREENSHOTS=1 the pages are
 * saved to docs/screens/keycloak-*.png for docs/keycloak.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { startStepgate, type StepgateProcess } from '../helpers/processes.js';
import { keycloakPort, locateBuild, startKeycloak, type KeycloakServer } from './keycloak-server.js';
import { startTestClient, type TestClient } from './oidc-client.js';
import type { HistoryRecord } from '../../gateway/admin/history-export.js';

const PASSWORD = 'correct-horse-battery-7';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const SIDECAR_TOKEN = randomBytes(32).toString('base64url');
const ADMIN_TOKEN = randomBytes(32).toString('base64url');
const BOB_MOBILE = '+14155550123';
const CAROL_MOBILE = '+12015550199';
const DAVE_MOBILE = '+447400123456';
const FRANK_MOBILE = '+14155550188';
const SMS_LIMIT =
  'Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.';
const LOCKED = "You've exceeded the allowed number of attempts. Try again later.";
const UNAVAILABLE =
  'We cannot confirm your identity right now, so you cannot sign in. Try again in a few minutes.';
const REALMS = new URL('./realms/', import.meta.url);

interface OutboxEntry {
  channel: 'sms' | 'email';
  to: string;
  body: string;
}

let dir: string;
let stepgate: StepgateProcess;
let keycloak: KeycloakServer;
let client: TestClient;
let browser: Browser;
let context: BrowserContext | undefined;

/** A realm file with its {{NAME}} placeholders filled; one left over is a mistake in the fixture. */
function realm(file: string, values: Record<string, string>): string {
  const text = readFileSync(new URL(file, REALMS), 'utf8').replace(
    /\{\{([A-Z_]+)\}\}/g,
    (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`${file} uses {{${name}}}, which the test does not fill`);
      return value;
    },
  );
  JSON.parse(text);
  return text;
}

function writeStepgateConfig(): string {
  const path = join(dir, 'stepgate.yaml');
  // Keycloak signs people in; stepgate's own sign-in page has nobody to let in.
  writeFileSync(join(dir, 'users.yaml'), '{}\n');
  writeFileSync(
    path,
    [
      'server:',
      "  listen: '127.0.0.1:${STEPGATE_PORT}'",
      "  public_url: 'http://127.0.0.1:${STEPGATE_PORT}'",
      'upstream: { url: http://127.0.0.1:9 }',
      `logins: { direct: { users_file: ${JSON.stringify(join(dir, 'users.yaml'))} } }`,
      'session:',
      '  store: memory',
      `  secret: ${randomBytes(24).toString('base64url')}`,
      'store:',
      '  type: sqlite',
      `  path: ${JSON.stringify(join(dir, 'stepgate.db'))}`,
      `  encryption_key: ${randomBytes(32).toString('base64')}`,
      'notifications:',
      `  outbox_path: ${JSON.stringify(join(dir, 'outbox.jsonl'))}`,
      'admin:',
      '  api_tokens:',
      `    - { name: keycloak, token: ${SIDECAR_TOKEN}, scopes: [sidecar] }`,
      `    - { name: e2e-test, token: ${ADMIN_TOKEN}, scopes: [admin] }`,
      '',
    ].join('\n'),
  );
  return path;
}

function outbox(channel: 'sms' | 'email', to: string): OutboxEntry[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'outbox.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxEntry)
    .filter((m) => m.channel === channel && m.to === to);
}

function lastCode(channel: 'sms' | 'email', to: string): string {
  const code = /\b\d{6}\b/.exec(outbox(channel, to).at(-1)?.body ?? '')?.[0];
  if (code === undefined) throw new Error(`no ${channel} code to ${to} in stepgate's outbox`);
  return code;
}

/** stepgate's verification history for one user, oldest first, through its admin API. */
async function history(user: string): Promise<HistoryRecord[]> {
  const res = await fetch(`${stepgate.url}/_stepgate/admin/v1/history?user=${encodeURIComponent(user)}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/json' },
  });
  expect(res.status).toBe(200);
  const page = (await res.json()) as { entries: HistoryRecord[] };
  return page.entries.reverse();
}

async function newPage(): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 800, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Opens the test application, which sends the browser to Keycloak, and signs in with a password. */
async function signIn(page: Page, username: string, shot?: string): Promise<void> {
  await page.goto(`${client.url}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  if (shot) await screenshot(page, shot);
  await page.locator('#kc-login').click();
}

async function signedInAs(page: Page, username: string): Promise<void> {
  await page.waitForURL(`${client.redirectUri}?**`);
  await page.getByRole('heading', { name: 'Signed in to the test application' }).waitFor();
  expect(await page.locator('#detail').innerText()).toBe(username);
  expect(client.signIns.at(-1)?.username).toBe(username);
}

const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true });
/** Keycloak's message area (an alert in its default theme). */
const alert = (page: Page) => page.locator('.kc-feedback-text, #kc-error-message p, .alert-error').first();

beforeAll(async () => {
  const build = locateBuild();
  dir = mkdtempSync(join(tmpdir(), 'stepgate-keycloak-'));
  client = await startTestClient('test-app', CLIENT_SECRET);
  stepgate = await startStepgate({ config: writeStepgateConfig(), env: {}, cwd: dir });
  const port = await keycloakPort();
  const values = {
    KEYCLOAK_URL: `http://127.0.0.1:${port}`,
    STEPGATE_URL: `${stepgate.url}/_stepgate`,
    SIDECAR_TOKEN,
    PASSWORD,
    CLIENT_SECRET,
    CLIENT_REDIRECT_URI: client.redirectUri,
    BOB_MOBILE,
    CAROL_MOBILE,
    FRANK_MOBILE,
  };
  keycloak = await startKeycloak({
    build,
    port,
    realms: {
      'stepgate-test-realm.json': realm('stepgate-test.json', values),
      'corp-realm.json': realm('corp.json', values),
    },
    // The main flow's settings name the token as ${vault.stepgatetoken}: Keycloak's file vault holds it.
    vault: { 'stepgate-test_stepgatetoken': SIDECAR_TOKEN },
    readyPath: '/realms/stepgate-test/.well-known/openid-configuration',
    readyTimeoutMs: 540_000,
  });
  client.issuer = `${keycloak.url}/realms/stepgate-test`;
  browser = await launchChromium();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await browser?.close();
  await keycloak?.stop();
  await stepgate?.stop();
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('stepgate in a real Keycloak', () => {
  it('bob: the password, then stepgate asks inside Keycloak; the texted code lets Keycloak issue a code', async () => {
    const page = await newPage();
    await signIn(page, 'bob', 'keycloak-01-sign-in.png');

    await heading(page, 'Confirm your identity').waitFor();
    const textMe = page.getByRole('button', { name: 'Text a code to +1 ••• ••• ••23' });
    expect(await page.getByRole('button', { name: /^Email a code/ }).count()).toBe(0);
    await screenshot(page, 'keycloak-02-methods.png');
    await textMe.click();

    await heading(page, 'Enter your code').waitFor();
    expect(await page.locator('#stepgate-instruction').innerText()).toBe(
      'We texted a code to +1 ••• ••• ••23.',
    );
    const code = lastCode('sms', BOB_MOBILE);
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('Code from the text message').fill(wrong);
    await page.getByLabel('Code from the text message').press('Enter');
    await heading(page, 'Enter your code').waitFor();
    expect(await alert(page).innerText()).toBe(
      'That code is not right. You have 4 attempts left with this code.',
    );
    await screenshot(page, 'keycloak-03-code.png');

    await page.getByLabel('Code from the text message').fill(code);
    await page.getByLabel('Code from the text message').press('Enter'); // Enter verifies; it does not resend
    await signedInAs(page, 'bob');
    expect(outbox('sms', BOB_MOBILE)).toHaveLength(1);

    const entries = await history('bob');
    expect(entries.at(-1)).toMatchObject({
      method: 'sms',
      status: 'Succeeded',
      triggered_by: 'NewNetwork',
      source_ip: '127.0.0.1',
      login: 'direct',
      entry_point: 'standard',
    });
    expect(entries.at(-1)?.user_agent).toContain('Chrome');
  });

  it('alice has no mobile: Keycloak asks for one, she declines and confirms by email', async () => {
    const page = await newPage();
    await signIn(page, 'alice');

    await heading(page, 'Add your mobile number').waitFor();
    await screenshot(page, 'keycloak-04-mobile.png');
    await page.getByRole('button', { name: 'Not now, continue with email' }).click();

    await heading(page, 'Confirm your identity').waitFor();
    await page.getByRole('button', { name: 'Email a code to a•••@example.com' }).click();
    await heading(page, 'Enter your code').waitFor();
    await page.getByLabel('Code from the email').fill(lastCode('email', 'alice@example.com'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedInAs(page, 'alice');

    const statuses = (await history('alice')).map((e) => `${e.status} ${e.method}`);
    expect(statuses).toEqual(['Declined sms', 'Initiated email', 'Succeeded email']);
  });

  it('dave registers a mobile inside Keycloak, proves it, and confirms by email (not by the new number)', async () => {
    const page = await newPage();
    await signIn(page, 'dave');

    await heading(page, 'Add your mobile number').waitFor();
    await page.getByLabel('Mobile number').fill(DAVE_MOBILE);
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await heading(page, 'Enter the code we texted you').waitFor();
    await screenshot(page, 'keycloak-05-mobile-code.png');
    await page.getByLabel('Code from the text message').fill(lastCode('sms', DAVE_MOBILE));
    await page.getByLabel('Code from the text message').press('Enter');

    await heading(page, 'Confirm your identity').waitFor();
    expect(await page.getByRole('button', { name: /^Text a code/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Email a code to d•••@example.com' }).click();
    await heading(page, 'Enter your code').waitFor();
    await page.getByLabel('Code from the email').fill(lastCode('email', 'dave@example.com'));
    await page.getByLabel('Code from the email').press('Enter');
    await signedInAs(page, 'dave');

    const user = await fetch(`${stepgate.url}/_stepgate/admin/v1/users/dave`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/json' },
    });
    expect(((await user.json()) as { mobile: unknown }).mobile).not.toBeNull();
  });

  it("carol: the sixth SMS in an hour is refused with the SPEC's exact sentence on Keycloak's page", async () => {
    const page = await newPage();
    await signIn(page, 'carol');

    await heading(page, 'Confirm your identity').waitFor();
    await page.getByRole('button', { name: /^Text a code to / }).click();
    await heading(page, 'Enter your code').waitFor();
    for (let sent = 2; sent <= 5; sent += 1) {
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await heading(page, 'Enter your code').waitFor();
      expect(outbox('sms', CAROL_MOBILE)).toHaveLength(sent);
    }
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await heading(page, 'Enter your code').waitFor();
    expect(await alert(page).innerText()).toBe(SMS_LIMIT);
    expect(outbox('sms', CAROL_MOBILE)).toHaveLength(5);
    await screenshot(page, 'keycloak-06-sms-limit.png');
    expect(client.signIns.map((s) => s.username)).not.toContain('carol');
  });

  it("frank: ten wrong codes in a row lock him out, and Keycloak shows stepgate's sentence", async () => {
    const page = await newPage();
    await signIn(page, 'frank');
    await heading(page, 'Confirm your identity').waitFor();
    await page.getByRole('button', { name: /^Text a code to / }).click();
    await heading(page, 'Enter your code').waitFor();
    /** A code that is not the one stepgate sent last. */
    const wrong = () => (lastCode('sms', FRANK_MOBILE) === '000000' ? '111111' : '000000');
    for (let failure = 1; failure < 10; failure += 1) {
      // Five wrong answers void a code (SPEC §2); the person asks for a new one and goes on.
      if (failure === 6) {
        await page.getByRole('button', { name: 'Send a new code' }).click();
        await heading(page, 'Enter your code').waitFor();
      }
      await page.getByLabel('Code from the text message').fill(wrong());
      await page.getByLabel('Code from the text message').press('Enter');
      await heading(page, 'Enter your code').waitFor();
      expect(await alert(page).innerText()).toMatch(/^That code (is not right|can no longer be used)/);
    }
    await page.getByLabel('Code from the text message').fill(wrong());
    await page.getByLabel('Code from the text message').press('Enter');
    await page.getByText(LOCKED, { exact: true }).waitFor();
    await screenshot(page, 'keycloak-07-locked.png');
    expect(client.signIns.map((s) => s.username)).not.toContain('frank');
    expect((await history('frank')).at(-1)).toMatchObject({ status: 'Locked' });
  });

  it('sam, brokered through the SAML identity provider, is not prompted: stepgate skips him by policy', async () => {
    const page = await newPage();
    await page.goto(`${client.url}/login`);
    await page.getByRole('link', { name: 'Corp SSO' }).click();
    await page.waitForURL(`${keycloak.url}/realms/corp/**`);
    await page.locator('#username').fill('sam');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#kc-login').click();
    await signedInAs(page, 'sam');

    // The post-broker-login flow did ask stepgate, as a SAML sign-in, and the policy skipped it.
    expect(await history('sam')).toEqual([
      expect.objectContaining({ method: 'none', status: 'Skipped', login: 'saml', source_ip: '127.0.0.1' }),
    ]);
  });

  it('stepgate stopped: Keycloak refuses the sign-in with a page that says so, and issues no code', async () => {
    await stepgate.stop();
    const callbacks = client.callbacks.length;
    const page = await newPage();
    await signIn(page, 'erin');

    await page.getByText(UNAVAILABLE).waitFor();
    await screenshot(page, 'keycloak-08-unavailable.png');
    expect(page.url().startsWith(keycloak.url)).toBe(true);
    expect(client.callbacks.length).toBe(callbacks);
    expect(keycloak.output()).toContain(
      'stepgate: sign-in of erin refused (UNAVAILABLE): stepgate cannot be reached',
    );
  });
});
