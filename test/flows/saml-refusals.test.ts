/**
 * SAML responses that must not sign anyone in: unsigned, edited, meant for someone else, out of
 * date, forged, wrapped, refused by the IdP, unsolicited, or replayed. Each is a 401 (JSON or a
 * page) with a stable code, never a 500, and leaves the browser signed out. Each bad response
 * answers a real AuthnRequest and is made by the IdP with the one thing under test changed before
 * it is signed, so the refusal proves the check rather than a broken signature.
 */
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BASE, flowGateway, jsonAgent, type Agent } from '../helpers/flow.js';
import {
  ACS_URL,
  IDP_ENTITY_ID,
  answerFor,
  answerTo,
  authnRequestOf,
  assertionOf,
  decode,
  encode,
  firstNameId,
  samlResponse,
  serviceProvider,
  withoutSignatures,
  type ResponseKnobs,
} from '../helpers/saml-idp.js';

const sp = serviceProvider();
const metadata = sp.metadata();
/** Where the replay cache is the only guard: responses that answer no request of ours. */
const unsolicitedSp = serviceProvider({ allow_idp_initiated: true });
const ADA = { nameId: 'ada@example.org', email: 'ada@example.org', groups: ['engineering'] };

const good = (knobs: Partial<ResponseKnobs> = {}) => answerTo(sp, ADA, knobs);
const unsolicited = () => samlResponse(ADA, { metadata });
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

function postToAcs(agent: Agent | ReturnType<typeof request>, SAMLResponse: string, RelayState = '/app') {
  return agent.post(`${BASE}/saml/acs`).type('form').send({ SAMLResponse, RelayState });
}

/** The signed assertion moved into an Extensions element, an unsigned one naming mallory put first. */
async function evilAssertionFirst(): Promise<string> {
  const xml = decode(await good());
  const signed = assertionOf(xml);
  const evil = withoutSignatures(signed)
    .replace(/ ID="[^"]+"/, ' ID="_evil-assertion"')
    .replace('>ada@example.org</saml:NameID>', '>mallory@example.org</saml:NameID>');
  const wrapped = xml.replace(signed, `${evil}<samlp:Extensions>${signed}</samlp:Extensions>`);
  expect(firstNameId(wrapped)).toBe('mallory@example.org');
  return encode(wrapped);
}

/** The whole signed response inside an evil one, which carries the original response signature. */
async function evilResponseAround(): Promise<string> {
  const xml = decode(await good());
  const responseSignature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(xml)?.[0] ?? '';
  const original = xml.replace(responseSignature, '');
  const evil = withoutSignatures(assertionOf(xml))
    .replace(/ ID="[^"]+"/, ' ID="_evil-assertion"')
    .replace('>ada@example.org</saml:NameID>', '>mallory@example.org</saml:NameID>');
  const outer =
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="_evil-response" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${ACS_URL}">` +
    `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>${responseSignature}` +
    `<samlp:Extensions>${original}</samlp:Extensions>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    `${evil}</samlp:Response>`;
  expect(responseSignature).not.toBe('');
  return encode(outer);
}

async function editedNameId(): Promise<string> {
  const xml = decode(await good());
  const edited = xml.replace('>ada@example.org</saml:NameID>', '>admin@example.org</saml:NameID>');
  expect(edited).not.toBe(xml);
  return encode(edited);
}

/** A signed response with a DTD put before it: the signature covers the element, not the prologue. */
async function withDoctype(): Promise<string> {
  const xml = decode(await good());
  return encode(`<!DOCTYPE samlp:Response [<!ENTITY who "mallory">]>${xml}`);
}

const REJECTED = {
  error: 'saml_rejected',
  message: "Your identity provider's answer could not be accepted. Try signing in again.",
};
const IDP_REFUSED = {
  error: 'saml_idp_refused',
  message: 'Your identity provider did not sign you in. Try again, or ask your administrator.',
};
const UNSOLICITED = {
  error: 'saml_unsolicited',
  message: 'Sign-in must start here, not at your identity provider. Start signing in again.',
};

const RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const AUTHN_FAILED = 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed';

/** The responses refused by stepgate's own checks, what the person is told, and why the log says. */
const REFUSED_BY_OUR_CHECKS: [string, () => Promise<string>, typeof REJECTED, string][] = [
  [
    'a top-level StatusCode of Responder, though the response carries a signed assertion',
    () => good({ statusCode: RESPONDER, secondLevelStatusCode: AUTHN_FAILED }),
    IDP_REFUSED,
    `the IdP answered '${RESPONDER}' (${AUTHN_FAILED}), not Success`,
  ],
  [
    'a Destination other than our ACS URL',
    () => good({ destination: 'https://other-sp.example/saml/acs' }),
    REJECTED,
    "the response is for 'https://other-sp.example/saml/acs', not our ACS URL",
  ],
  [
    'a signed response without a Destination',
    () => good({ destination: null }),
    REJECTED,
    'the response has no Destination',
  ],
  [
    'a bearer SubjectConfirmationData without a Recipient',
    () => good({ recipient: null }),
    REJECTED,
    'bearer subject confirmation without Recipient',
  ],
  [
    'a Response issued by another entity around an assertion of our IdP',
    () => good({ responseIssuer: 'https://other-idp.example' }),
    REJECTED,
    "the response was issued by 'https://other-idp.example', not the configured IdP",
  ],
  [
    'a signed Response without an Issuer',
    () => good({ responseIssuer: null }),
    REJECTED,
    'the response has no Issuer',
  ],
  [
    'an unsolicited (IdP-initiated) response, while allow_idp_initiated is false',
    unsolicited,
    UNSOLICITED,
    'an IdP-initiated response (no InResponseTo) and logins.saml.allow_idp_initiated is false',
  ],
  ['a signed response behind a DTD', withDoctype, REJECTED, 'the response has a DTD'],
];

const REFUSED: [string, () => Promise<string>][] = [
  ['a response nobody signed', async () => encode(withoutSignatures(decode(await good())))],
  ['a NameID edited after signing', editedNameId],
  ['a response for another audience', () => good({ audience: 'https://other-sp.example' })],
  ['an expired assertion', () => good({ issuedAt: minutesFromNow(-10), notOnOrAfter: minutesFromNow(-1) })],
  [
    'a bearer confirmation that expired, though the Conditions have not',
    () => good({ confirmationNotOnOrAfter: minutesFromNow(-1) }),
  ],
  ['a bearer confirmation without NotOnOrAfter', () => good({ confirmationNotOnOrAfter: null })],
  ['an assertion not valid yet', () => good({ issuedAt: minutesFromNow(10) })],
  ['a response signed by a key we do not trust', () => good({ signedBy: 'attacker' })],
  [
    'an assertion from another issuer, signed with the right key',
    () => good({ issuer: 'https://other.example' }),
  ],
  ['an assertion for another recipient', () => good({ recipient: 'https://other-sp.example/acs' })],
  ['a response whose assertion alone is signed', () => good({ signing: 'assertion' })],
  ['a response whose assertion is not signed', () => good({ signing: 'response' })],
  ['an unsigned assertion placed before the signed one (XML signature wrapping)', evilAssertionFirst],
  ['the signed response wrapped in an evil one (XML signature wrapping)', evilResponseAround],
  ['something that is not XML', async () => encode('<<not xml')],
];

describe('refused SAML responses', () => {
  it('accepts the untouched response that the refused ones are made from', async () => {
    const gw = await flowGateway({ saml: sp });
    const browser = jsonAgent(gw);
    const res = await postToAcs(browser, await answerFor(browser, sp, ADA));
    expect(res.status).toBe(200);
    expect(res.body.next).toBe('done');
  });

  it.each(REFUSED)('refuses %s with 401 and signs nobody in', async (_name, craft) => {
    const gw = await flowGateway({ saml: sp });
    const agent = jsonAgent(gw);
    const res = await postToAcs(agent, await craft());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(REJECTED);
    expect((await agent.get('/app')).status).toBe(401);
    expect(gw.upstream.received).toHaveLength(0);
  });

  it.each(REFUSED_BY_OUR_CHECKS)(
    'refuses %s with 401, a stable code and the reason in the log',
    async (_name, craft, answer, reason) => {
      const gw = await flowGateway({ saml: sp });
      const warn = vi.spyOn(gw.ports.logger, 'warn');
      onTestFinished(() => warn.mockRestore());
      const agent = jsonAgent(gw);
      const res = await postToAcs(agent, await craft());
      expect(res.status).toBe(401);
      expect(res.body).toEqual(answer);
      expect(warn).toHaveBeenCalledWith('SAML response refused', { code: answer.error, reason });
      expect((await agent.get('/app')).status).toBe(401);
      expect(gw.upstream.received).toHaveLength(0);
    },
  );

  it('tells a browser that its IdP did not sign it in, on a page', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await postToAcs(request(gw.app), await good({ statusCode: RESPONDER }));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Your identity provider did not sign you in.');
    // A reference that finds the log line, not the code's name.
    expect(res.text).toMatch(/Reference: [0-9A-Z-]+\./);
  });

  it('refuses an error response without an assertion as the IdP refusing', async () => {
    const gw = await flowGateway({ saml: sp });
    const refusal = await good({ statusCode: RESPONDER, withoutAssertion: true, signing: 'response' });
    const res = await postToAcs(jsonAgent(gw), refusal);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(IDP_REFUSED);
  });

  it('shows a browser a page, not a stack trace', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await postToAcs(request(gw.app), await good({ signedBy: 'attacker' }));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('could not be accepted');
    expect(res.text).toMatch(/Reference: [0-9A-Z-]+\./);
    expect(res.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('logs why a response was refused, which the page does not say', async () => {
    const gw = await flowGateway({ saml: sp });
    const warn = vi.spyOn(gw.ports.logger, 'warn');
    onTestFinished(() => warn.mockRestore());
    await postToAcs(request(gw.app), await good({ audience: 'https://other-sp.example' }));
    expect(warn).toHaveBeenCalledWith('SAML response refused', {
      code: 'saml_rejected',
      reason: expect.stringContaining('audience mismatch'),
    });
  });

  it('asks for the response when the form has none', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await jsonAgent(gw).post(`${BASE}/saml/acs`).type('form').send({ RelayState: '/' });
    expect(res.status).toBe(400);
  });
});

describe('IdP-initiated responses (logins.saml.allow_idp_initiated)', () => {
  it('signs in with a response that answers no request only when allowed', async () => {
    const allowed = await flowGateway({ saml: unsolicitedSp });
    const res = await postToAcs(jsonAgent(allowed), await unsolicited());
    expect(res.status).toBe(200);
    expect(res.body.next).toBe('done');

    const refused = await flowGateway({ saml: sp });
    const agent = jsonAgent(refused);
    const again = await postToAcs(agent, await unsolicited());
    expect(again.status).toBe(401);
    expect(again.body).toEqual(UNSOLICITED);
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('still refuses, when allowed, a response that answers a request we never made', async () => {
    const gw = await flowGateway({ saml: unsolicitedSp });
    const res = await postToAcs(jsonAgent(gw), await good({ inResponseTo: '_never-asked' }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(REJECTED);
  });
});

describe('replayed SAML responses', () => {
  it('accepts the answer to a request once: the request is used up with it', async () => {
    const gw = await flowGateway({ saml: sp });
    const browser = request.agent(gw.app);
    const response = await answerFor(browser, sp, ADA);
    expect((await postToAcs(browser, response)).status).toBe(303);
    const replayed = await postToAcs(jsonAgent(gw), response);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toEqual(REJECTED);
  });

  it('accepts an unsolicited response once: posting it again is saml_replayed, whatever the RelayState', async () => {
    const gw = await flowGateway({ saml: unsolicitedSp });
    const response = await unsolicited();
    const first = await postToAcs(request(gw.app), response, '/docs');
    expect(first.status).toBe(303);

    const again = jsonAgent(gw);
    const replayed = await postToAcs(again, response, '/other');
    expect(replayed.status).toBe(401);
    expect(replayed.body.error).toBe('saml_replayed');
    expect((await again.get('/app')).status).toBe(401);
  });

  it('refuses a replay in another browser with a page', async () => {
    const gw = await flowGateway({ saml: unsolicitedSp });
    const response = await unsolicited();
    expect((await postToAcs(request.agent(gw.app), response)).status).toBe(303);
    const thief = request.agent(gw.app);
    const replayed = await postToAcs(thief, response);
    expect(replayed.status).toBe(401);
    expect(replayed.text).toContain('This sign-in response was already used.');
    expect((await thief.get('/app')).status).toBe(302);
  });

  it('accepts a new response for the same person', async () => {
    const gw = await flowGateway({ saml: unsolicitedSp });
    expect((await postToAcs(request(gw.app), await unsolicited())).status).toBe(303);
    expect((await postToAcs(request(gw.app), await unsolicited())).status).toBe(303);
  });
});

/**
 * Login CSRF with a solicited response: an attacker starts a sign-in in their own browser, signs in
 * at the IdP as themselves, keeps the signed answer, and makes a victim's browser post it. The
 * answer is genuine and answers a request of ours; only the browser is wrong.
 */
describe('a response posted from a browser that did not start its sign-in', () => {
  const UNBOUND = {
    error: 'saml_unbound',
    message: 'This sign-in was not started in this browser, or it took too long. Start signing in again.',
  };

  it("refuses the attacker's answer in the victim's browser, and signs the victim in as nobody", async () => {
    const gw = await flowGateway({ saml: sp });
    const warn = vi.spyOn(gw.ports.logger, 'warn');
    onTestFinished(() => warn.mockRestore());
    const attacker = request.agent(gw.app);
    const mallory = { nameId: 'mallory@example.org', email: 'mallory@example.org', groups: [] };
    const answer = await answerFor(attacker, sp, mallory);

    const victim = jsonAgent(gw);
    const res = await postToAcs(victim, answer);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNBOUND);
    expect(warn).toHaveBeenCalledWith('SAML response refused', {
      code: 'saml_unbound',
      reason: expect.stringContaining('did not start'),
    });
    expect((await victim.get('/app')).status).toBe(401);
    expect(gw.upstream.received).toHaveLength(0);
  });

  it("refuses it though the victim started a sign-in of their own, and the victim's own answer still works", async () => {
    const gw = await flowGateway({ saml: sp });
    const attacker = request.agent(gw.app);
    const victim = jsonAgent(gw);
    const mallory = { nameId: 'mallory@example.org', groups: [] };
    const forged = await answerFor(attacker, sp, mallory);
    const own = await answerFor(victim, sp, ADA);

    expect((await postToAcs(victim, forged)).body).toEqual(UNBOUND);
    const res = await postToAcs(victim, own);
    expect(res.status).toBe(200);
    expect((await victim.get('/app')).body.headers['x-stepgate-user']).toBe('ada@example.org');
  });

  it('refuses a binding cookie that the gateway did not make', async () => {
    const gw = await flowGateway({ saml: sp });
    const attacker = request.agent(gw.app);
    const start = await attacker.get(`${BASE}/saml/login?return_to=/`);
    const { id } = await authnRequestOf(start.headers.location as string, metadata);
    const answer = await samlResponse({ nameId: 'mallory@example.org' }, { metadata, inResponseTo: id });
    // What a sibling host could toss into the victim's browser: the right name, a made-up value.
    const res = await request(gw.app)
      .post(`${BASE}/saml/acs`)
      .set('Accept', 'application/json')
      .set('Cookie', `stepgate_session_saml=${id}:forged`)
      .type('form')
      .send({ SAMLResponse: answer, RelayState: '/' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNBOUND);
  });

  it('keeps one cookie for the few newest sign-ins, however often a page makes the browser start one', async () => {
    const gw = await flowGateway({ saml: sp });
    const browser = jsonAgent(gw);
    const first = await answerFor(browser, sp, ADA);
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await answerFor(browser, sp, ADA));
    const sent = await browser.get(`${BASE}/saml/login`);
    const cookies = sent.headers['set-cookie'] as unknown as string[];
    expect(cookies.filter((line) => line.includes('_saml'))).toHaveLength(1);
    expect(cookies.find((line) => line.includes('_saml'))!.length).toBeLessThan(600);

    // The oldest was pushed out; a recent one, started in another tab, still signs in.
    expect((await postToAcs(browser, first)).body).toEqual(UNBOUND);
    const recent = await postToAcs(browser, answers.at(-1)!);
    expect(recent.status, JSON.stringify(recent.body)).toBe(200);
  });

  it('sets the binding cookie for the ACS alone, and as a SameSite=None; Secure __Host- cookie outside localhost', async () => {
    const local = await flowGateway({ saml: sp });
    const cookie = (await request(local.app).get(`${BASE}/saml/login`)).headers[
      'set-cookie'
    ] as unknown as string[];
    const binding = cookie.find((line) => line.startsWith('stepgate_session_saml='));
    expect(binding).toMatch(/; Path=\/_stepgate\/saml;/);
    expect(binding).toMatch(/HttpOnly/);
    expect(binding).toMatch(/SameSite=Lax/);
    expect(binding).not.toMatch(/Secure/);

    const published = await flowGateway({
      saml: sp,
      config: { server: { public_url: 'https://sso.example.org' } },
    });
    const secure = (await request(published.app).get(`${BASE}/saml/login`)).headers[
      'set-cookie'
    ] as unknown as string[];
    // Outside localhost a __Host- cookie, which no sibling host can set: Path=/ and no Domain.
    const hostOnly = secure.find((line) => line.startsWith('__Host-stepgate_session_saml='));
    expect(hostOnly).toMatch(/; Path=\/;/);
    expect(hostOnly).toMatch(/Secure; SameSite=None/);
    expect(hostOnly).not.toMatch(/Domain=/i);
  });
});
