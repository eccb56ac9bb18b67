/**
 * SPEC §4: `return_to` and `redirect` never leave the gateway's own origin, judged on the exact
 * string sent back. Each attack value is tried wherever a return path comes back out: the JSON
 * `redirect` of a sign-in, the 303 of a browser's sign-in and of a signed-in GET /login, the
 * answer to a passed challenge, and SAML's RelayState both ways. A value is judged the way a
 * browser reads a Location header: resolved against the page it came from.
 */
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  ALWAYS,
  BASE,
  confirmBy,
  csrfTokenOf,
  flowGateway,
  jsonAgent,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';
import { authnRequestOf, samlResponse, serviceProvider } from '../helpers/saml-idp.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
/** server.public_url in the test config (the schema's default). */
const ORIGIN = 'http://localhost:8080';

/** Values that some URL reading turns into another host: each must come back on our origin. */
const ATTACKS = [
  // Dot segments that collapse into a scheme-relative '//host' once the URL is normalised.
  '/.//evil.example/x',
  '/a/..//evil.example',
  '/%2e//evil.example',
  '/%2E//evil.example/x?y=1',
  '/.%2e//evil.example',
  '/a/%2e%2E//evil.example',
  '/..//evil.example',
  '/a/b/../../..//evil.example',
  '/./%2e/.//evil.example',
  // Scheme-relative, backslashes, other schemes.
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  'https:evil.example',
  'http:evil.example',
  'https://evil.example/',
  'http:\\\\evil.example',
  '//evil.example@localhost:8080',
  'javascript:alert(1)',
  // Whitespace a URL parser drops, and its encoded forms.
  '/\t/evil.example',
  '\t//evil.example',
  '/\n/evil.example',
  ' //evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  // Double encoding.
  '/%252F%252Fevil.example',
  '/%2F%2Fevil.example',
];

/** Where a browser goes when `sent` comes back as a Location from a page under base_path. */
function landsOnOrigin(sent: unknown): boolean {
  return typeof sent === 'string' && new URL(sent, `${ORIGIN}${BASE}/login`).origin === ORIGIN;
}

function expectOnOrigin(sent: unknown, attack: string) {
  expect(landsOnOrigin(sent), `${JSON.stringify(attack)} came back as ${JSON.stringify(sent)}`).toBe(true);
}

async function jsonSignIn(gw: FlowGateway, returnTo: string, agent: Agent = jsonAgent(gw)) {
  const res = await agent
    .post(`${BASE}/login`)
    .send({ username: 'alice', password: TEST_PASSWORD, return_to: returnTo });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { next: string; redirect: string };
}

describe('return_to stays on our origin (SPEC §4)', () => {
  it('keeps a path on our origin as it was asked for', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    expect(await jsonSignIn(gw, '/reports/2026?q=1#top')).toEqual({
      next: 'done',
      redirect: '/reports/2026?q=1#top',
    });
    expect((await jsonSignIn(gw, '/a/../docs/./intro')).redirect).toBe('/docs/intro');
    expect((await jsonSignIn(gw, `${ORIGIN}/docs`)).redirect).toBe('/docs');
  });

  it.each(ATTACKS)('in the JSON redirect of a sign-in: %j', async (attack) => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    expectOnOrigin((await jsonSignIn(gw, attack)).redirect, attack);
  });

  it.each(ATTACKS)("in the 303 of a browser's sign-in form: %j", async (attack) => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const browser = request.agent(gw.app);
    const page = await browser.get(`${BASE}/login`);
    const res = await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ _csrf: csrfTokenOf(page.text), username: 'alice', password: TEST_PASSWORD, return_to: attack });
    expect(res.status).toBe(303);
    expectOnOrigin(res.headers.location, attack);
  });

  it.each(ATTACKS)('in the 303 and the JSON of a signed-in GET /login: %j', async (attack) => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const agent = jsonAgent(gw);
    await jsonSignIn(gw, '/', agent);
    const query = `${BASE}/login?return_to=${encodeURIComponent(attack)}`;
    const page = await agent.get(query).set('Accept', 'text/html');
    expect(page.status).toBe(303);
    expectOnOrigin(page.headers.location, attack);
    const json = await agent.get(query);
    expect(json.body.signed_in).toBe(true);
    expectOnOrigin(json.body.redirect, attack);
  });

  it.each(ATTACKS)('after a passed challenge: %j', async (attack) => {
    const gw = await flowGateway({ policy: ALWAYS });
    const agent = jsonAgent(gw);
    expect((await jsonSignIn(gw, attack, agent)).next).toBe('confirm');
    const done = await confirmBy(gw, agent, 'email', 'alice@example.com');
    expectOnOrigin(done.body.redirect, attack);
  });
});

describe('SAML RelayState stays on our origin (SPEC §4)', () => {
  const sp = serviceProvider();
  const metadata = sp.metadata();

  it.each(ATTACKS)('as sent to the IdP and as followed from the ACS: %j', async (attack) => {
    const gw = await flowGateway({ saml: sp });
    const browser = request.agent(gw.app);
    const start = await browser.get(`${BASE}/saml/login?return_to=${encodeURIComponent(attack)}`);
    expect(start.status).toBe(302);
    const { id, relayState } = await authnRequestOf(start.headers.location as string, metadata);
    expectOnOrigin(relayState, attack);

    // The IdP answers our request, with a RelayState of the attacker's choosing.
    const answer = await samlResponse({ nameId: 'ada@example.org' }, { metadata, inResponseTo: id });
    const acs = await browser
      .post(`${BASE}/saml/acs`)
      .type('form')
      .send({ SAMLResponse: answer, RelayState: attack });
    expect(acs.status).toBe(303);
    expectOnOrigin(acs.headers.location, attack);
  });
});

/** The longest return_to taken (docs/decisions.md). */
const RETURN_TO_MAX_LENGTH = 2048;

describe('a return_to longer than 2048 characters', () => {
  // It would be carried in cookies, the session, RelayState and Location headers: taken as absent.
  const longest = `/${'a'.repeat(RETURN_TO_MAX_LENGTH - 1)}`;
  const tooLong = `${longest}b`;

  it('is the default page in the JSON redirect of a sign-in, the longest taken is kept, and the log says so', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const info = vi.spyOn(gw.ports.logger, 'info');
    onTestFinished(() => info.mockRestore());
    expect((await jsonSignIn(gw, longest)).redirect).toBe(longest);
    expect((await jsonSignIn(gw, tooLong)).redirect).toBe('/');
    expect(info).toHaveBeenCalledWith('return_to ignored: longer than the longest taken', {
      length: RETURN_TO_MAX_LENGTH + 1,
      max: RETURN_TO_MAX_LENGTH,
    });
  });

  it('is on no sign-in page, and not sent to the SAML IdP as RelayState', async () => {
    const sp = serviceProvider();
    const gw = await flowGateway({ saml: sp });
    const query = `return_to=${encodeURIComponent(tooLong)}`;
    const page = await request(gw.app).get(`${BASE}/login?${query}`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('a'.repeat(RETURN_TO_MAX_LENGTH));
    const start = await request(gw.app).get(`${BASE}/saml/login?${query}`);
    expect(start.status).toBe(302);
    const { relayState } = await authnRequestOf(start.headers.location as string, sp.metadata());
    expect(relayState).toBe('/');
  });
});
