/**
 * Shared steps for the confirmation flow tests: a gateway per test (closed when the test ends),
 * JSON agents with a cookie jar, sign-in, and codes read back from the outbox.
 */
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { expect, onTestFinished } from 'vitest';
import type { UsersFileContent } from '../../adapters/users-file/users-file.js';
import { CodeHasher } from '../../gateway/factors/codes.js';
import { TEMPORARY_CODE_PURPOSE, newTemporaryCode } from '../../gateway/factors/temporary-code/index.js';
import { TEST_HASH, TEST_PASSWORD, TEST_USERS, startGateway, type TestGateway } from './gateway.js';
import type { TestGatewayOptions } from './gateway.js';
import { startEchoUpstream, type EchoUpstream } from './upstream.js';

export const BASE = '/_stepgate';
/** The session secret test/helpers/gateway.ts configures; code hashes are keyed by it. */
export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough';
export const EMAIL_OPTION = 'Email-Based Identity Confirmation Option';
export const RATE_LIMITED =
  'Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.';
export const LOCKED = "You've exceeded the allowed number of attempts. Try again later.";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A valid GB mobile number (libphonenumber's metadata), for registration. */
export const NEW_MOBILE = '+447400123456';
export const BOB_MOBILE = '+14155550123';

type UserEntry = UsersFileContent[string];

export function directUser(fields: Partial<UserEntry> = {}): UserEntry {
  return {
    password_hash: TEST_HASH,
    user_type: 'standard',
    permission_sets: [],
    groups: [],
    active: true,
    ...fields,
  };
}

/** TEST_USERS plus bob (a mobile from the users file) and carol (a mobile and the email option). */
export const FLOW_USERS: UsersFileContent = {
  ...TEST_USERS,
  bob: directUser({ email: 'bob@example.com', mobile: BOB_MOBILE }),
  carol: directUser({ email: 'carol@example.com', mobile: '+12015550199', permission_sets: [EMAIL_OPTION] }),
};

/** Policies the tests start from; the default policy prompts for a mobile and confirms new networks. */
export const NO_PROMPT = { version: 1, mobile_registration: { prompt: false } };
export const ALWAYS = {
  version: 1,
  mobile_registration: { prompt: false },
  rules: [{ name: 'every sign-in', then: 'confirm_always' }],
};

export type Agent = ReturnType<typeof request.agent>;
export type FlowGateway = TestGateway & { upstream: EchoUpstream };

/** A gateway and an echo upstream for this test alone, closed when the test finishes. */
export async function flowGateway(
  options: Omit<TestGatewayOptions, 'upstreamUrl'> = {},
): Promise<FlowGateway> {
  const upstream = await startEchoUpstream();
  const gw = await startGateway({ users: FLOW_USERS, ...options, upstreamUrl: upstream.url });
  onTestFinished(async () => {
    await gw.close();
    await upstream.close();
  });
  return Object.assign(gw, { upstream });
}

/** An API client: a cookie jar that asks for JSON (POST bodies are sent as JSON by supertest). */
export function jsonAgent(gw: TestGateway, headers: Record<string, string> = {}): Agent {
  const agent = request.agent(gw.app).set('Accept', 'application/json');
  for (const [name, value] of Object.entries(headers)) agent.set(name, value);
  return agent;
}

/** Signs in with the test password and checks it worked; `next` and `redirect` are from the answer. */
export async function signIn(
  gw: TestGateway,
  username: string,
  agent: Agent = jsonAgent(gw),
): Promise<{ agent: Agent; next: string; redirect: string; cookie: string | undefined }> {
  const res = await agent.post(`${BASE}/login`).send({ username, password: TEST_PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { agent, next: res.body.next, redirect: res.body.redirect, cookie: sessionCookie(res) };
}

export async function signOut(agent: Agent): Promise<void> {
  const res = await agent.post(`${BASE}/logout`).send({});
  expect(res.status).toBe(200);
}

export async function offered(agent: Agent): Promise<{ id: string; destination?: string }[]> {
  const res = await agent.get(`${BASE}/confirm`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.methods as { id: string; destination?: string }[];
}

export function send(agent: Agent, method: string) {
  return agent.post(`${BASE}/confirm/send`).send({ method });
}

export function verify(agent: Agent, method: string, code: string) {
  return agent.post(`${BASE}/confirm/verify`).send({ method, code });
}

/** What the outbox holds for one destination on one channel, oldest first. */
export function messagesTo(gw: TestGateway, channel: 'sms' | 'email', to: string) {
  return gw.outbox().filter((entry) => entry.channel === channel && entry.to === to);
}

/** The code in the newest message to `to`: the first run of digits in its body. */
export function lastCode(gw: TestGateway, channel: 'sms' | 'email', to: string): string {
  const body = messagesTo(gw, channel, to).at(-1)?.body;
  const code = body === undefined ? undefined : /\d+/.exec(body)?.[0];
  if (code === undefined) throw new Error(`no ${channel} code was sent to ${to}`);
  return code;
}

/** A code of the same length that is certainly not `code`. */
export function wrongCode(code: string): string {
  return code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);
}

/** Sends a code by `method`, reads it from the outbox and answers with it: the session is confirmed. */
export async function confirmBy(gw: TestGateway, agent: Agent, method: 'sms' | 'email', to: string) {
  const sent = await send(agent, method);
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const res = await verify(agent, method, lastCode(gw, method, to));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.next).toBe('done');
  return res;
}

/** Issues a help-desk temporary code straight into the store, hashed the way the factor checks it. */
export async function issueTemporaryCode(gw: TestGateway, user: string, hours = 1): Promise<string> {
  const code = newTemporaryCode();
  const now = gw.clock.now();
  await gw.store.issueTemporaryCode({
    user,
    hash: new CodeHasher(TEST_SESSION_SECRET).hash(TEMPORARY_CODE_PURPOSE, user, code),
    issuedAt: now,
    expiresAt: new Date(now.getTime() + hours * HOUR),
    issuedBy: 'helpdesk',
    expiredAt: null,
  });
  return code;
}

/** What a standard authenticator app shows at `time` (SHA-1, 6 digits, 30 s). */
export function totpAt(secret: string, time: Date): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: time.getTime() });
}

export function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('stepgate_session='))?.split(';')[0];
}

/** As a browser submits a form: loads `path`, then posts `fields` to `action` with that page's CSRF token. */
export async function submitForm(
  browser: Agent,
  path: string,
  action: string,
  fields: Record<string, string> = {},
): Promise<request.Response> {
  const page = await browser.get(path).set('Accept', 'text/html');
  expect(page.status, `${path} answered ${page.status}`).toBe(200);
  expect(page.text).toContain(`action="${action}"`);
  return browser
    .post(action)
    .type('form')
    .send({ ...fields, _csrf: csrfTokenOf(page.text) });
}

export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}
