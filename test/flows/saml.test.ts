/**
 * SPEC §1.6, §1.7, §4: federated sign-in through SAML, with a real IdP (samlify) answering our
 * AuthnRequests and passport-saml checking the answers; with an SP key, signed AuthnRequests and
 * encrypted assertions. Refused responses are in saml-refusals.test.ts.
 */
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BASE, NO_PROMPT, flowGateway, jsonAgent, offered, signIn, type Agent } from '../helpers/flow.js';
import {
  ACS_URL,
  IDP_SSO_URL,
  SP_ENTITY_ID,
  SP_KEY,
  answerFor,
  authnRequestOf,
  fixture,
  samlResponse,
  serviceProvider,
  type ResponseKnobs,
  type SamlUser,
} from '../helpers/saml-idp.js';

const sp = serviceProvider();
const metadata = sp.metadata();
const keyedSp = serviceProvider(SP_KEY);

const ADA: SamlUser = {
  nameId: 'ada@example.org',
  email: 'ada@example.org',
  userType: 'standard',
  groups: ['CN=Engineering,OU=Groups,DC=example,DC=org'],
};

function postToAcs(agent: Agent | ReturnType<typeof request>, SAMLResponse: string, RelayState?: string) {
  return agent
    .post(`${BASE}/saml/acs`)
    .type('form')
    .send(RelayState === undefined ? { SAMLResponse } : { SAMLResponse, RelayState });
}

async function signInWithSaml(
  agent: Agent,
  user: SamlUser = ADA,
  knobs: Partial<ResponseKnobs> = {},
): Promise<{ next: string; redirect: string }> {
  const res = await postToAcs(agent, await answerFor(agent, sp, user, knobs), '/');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { next: string; redirect: string };
}

describe('signing in through SAML (SPEC §1.6)', () => {
  it('signs a federated user in without a challenge or a mobile prompt, and goes back to RelayState', async () => {
    const gw = await flowGateway({ saml: sp });
    const browser = request.agent(gw.app);
    const res = await postToAcs(browser, await answerFor(browser, sp, ADA), '/docs/intro?page=2');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/docs/intro?page=2');

    const app = await browser.get('/docs/intro?page=2');
    expect(app.status).toBe(200);
    const headers = app.body.headers as Record<string, string>;
    expect(headers['x-stepgate-user']).toBe('ada@example.org');
    expect(headers['x-stepgate-email']).toBe('ada@example.org');
    expect(headers['x-stepgate-login']).toBe('saml');
    expect(headers['x-stepgate-confirmation']).toBe('skipped');
    expect(gw.outbox()).toEqual([]);
  });

  it('accepts a large response, such as one carrying many group claims', async () => {
    const gw = await flowGateway({ saml: sp });
    const groups = Array.from({ length: 60 }, (_, i) => `CN=Group number ${i},OU=Groups,DC=example,DC=org`);
    const browser = request.agent(gw.app);
    const res = await postToAcs(browser, await answerFor(browser, sp, { ...ADA, groups }), '/');
    expect(res.status).toBe(303);
  });

  it('says next is done to an API client, for a user with no mobile and no email at all', async () => {
    const gw = await flowGateway({ saml: sp });
    const agent = jsonAgent(gw);
    expect(await signInWithSaml(agent, { nameId: 'nomobile' })).toEqual({ next: 'done', redirect: '/' });
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('skipped');
    expect(gw.outbox()).toEqual([]);
  });

  it('still prompts a user who signs in directly in the same deployment', async () => {
    const gw = await flowGateway({ saml: sp });
    const { next } = await signIn(gw, 'alice');
    expect(next).toBe('register_mobile');
    const federated = await signInWithSaml(jsonAgent(gw));
    expect(federated.next).toBe('done');
  });

  it('keeps RelayState on our own origin', async () => {
    const gw = await flowGateway({ saml: sp });
    for (const relayState of ['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)']) {
      const browser = request.agent(gw.app);
      const res = await postToAcs(browser, await answerFor(browser, sp, ADA), relayState);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });
});

describe('SAML service-provider routes (SPEC §4)', () => {
  it('starts SP-initiated login with a SAMLRequest for the IdP and the return path as RelayState', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await request(gw.app).get(`${BASE}/saml/login?return_to=/docs`);
    expect(res.status).toBe(302);
    const location = res.headers.location as string;
    expect(location.startsWith(`${IDP_SSO_URL}?`)).toBe(true);
    const authnRequest = await authnRequestOf(location, metadata);
    expect(authnRequest.relayState).toBe('/docs');
    expect(authnRequest.xml).toContain(`AssertionConsumerServiceURL="${ACS_URL}"`);
    expect(authnRequest.xml).toContain(`>${SP_ENTITY_ID}</saml:Issuer>`);
  });

  it('never sends an off-site return_to to the IdP as RelayState', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await request(gw.app).get(`${BASE}/saml/login?return_to=https://evil.example/x`);
    expect((await authnRequestOf(res.headers.location as string, metadata)).relayState).toBe('/');
  });

  it('accepts the answer to its own AuthnRequest once, and no answer to a request it never made', async () => {
    const gw = await flowGateway({ saml: sp });
    const browser = request.agent(gw.app);
    const start = await browser.get(`${BASE}/saml/login?return_to=/docs`);
    const { id, relayState } = await authnRequestOf(start.headers.location as string, metadata);

    const answer = await samlResponse(ADA, { metadata, inResponseTo: id });
    const res = await postToAcs(browser, answer, relayState ?? undefined);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/docs');

    const again = await postToAcs(jsonAgent(gw), await samlResponse(ADA, { metadata, inResponseTo: id }));
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('saml_rejected');
    const unknown = await postToAcs(
      jsonAgent(gw),
      await samlResponse(ADA, { metadata, inResponseTo: '_nope' }),
    );
    expect(unknown.status).toBe(401);
  });

  it('publishes SP metadata with our entity id, ACS URL and NameID format', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await request(gw.app).get(`${BASE}/saml/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const xml = res.text;
    expect(xml).toContain(`entityID="${SP_ENTITY_ID}"`);
    expect(xml).toMatch(
      new RegExp(
        `<AssertionConsumerService [^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="${ACS_URL}"`,
      ),
    );
    expect(xml).toContain(
      '<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</NameIDFormat>',
    );
    expect(xml).toContain('WantAssertionsSigned="true"');
    expect(xml).toContain('AuthnRequestsSigned="false"');
    expect(xml).not.toContain('<KeyDescriptor');
  });

  it('offers the identity provider on the sign-in page only where SAML is configured', async () => {
    const withSaml = await flowGateway({ saml: sp });
    const page = await request(withSaml.app).get(`${BASE}/login?return_to=%2Fdocs`);
    expect(page.text).toContain('Sign in with your identity provider');
    expect(page.text).toContain(`${BASE}/saml/login?return_to=%2Fdocs`);

    const without = await flowGateway();
    const plain = await request(without.app).get(`${BASE}/login`);
    expect(plain.status).toBe(200);
    expect(plain.text).not.toContain('identity provider');
    expect((await request(without.app).get(`${BASE}/saml/metadata`)).status).toBe(404);
  });
});

describe('SAML users by user type and group (SPEC §1.7, policy)', () => {
  it('skips an external SAML user under the default policy, while an external direct user is prompted', async () => {
    const gw = await flowGateway({ saml: sp });
    const federated = await signInWithSaml(jsonAgent(gw), {
      nameId: 'guest@partner.example',
      userType: 'external',
    });
    expect(federated.next).toBe('done');
    expect((await signIn(gw, 'eve')).next).toBe('register_mobile');
  });

  it('lets a policy confirm SAML users of a group, matching the group ignoring case', async () => {
    const gw = await flowGateway({
      saml: sp,
      policy: {
        ...NO_PROMPT,
        rules: [
          {
            name: 'finance through SAML',
            when: { login: 'saml', group: ['CN=Finance,OU=Groups,DC=example,DC=org'] },
            then: 'confirm',
          },
          { name: 'SAML federation', when: { login: 'saml' }, then: 'skip' },
          { name: 'everyone else', then: 'confirm' },
        ],
      },
    });
    const finance = jsonAgent(gw);
    const user = {
      nameId: 'fin@example.org',
      email: 'fin@example.org',
      groups: ['cn=finance,ou=groups,dc=example,dc=org'],
    };
    expect((await signInWithSaml(finance, user)).next).toBe('confirm');
    expect((await offered(finance)).map((method) => method.id)).toContain('email');
    expect((await finance.get('/app')).status).toBe(401);

    expect((await signInWithSaml(jsonAgent(gw), ADA)).next).toBe('done');
  });
});

/** The base64 body of a PEM certificate, on one line, as metadata carries it. */
const certificateBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('with an SP key (logins.saml.sp_private_key, sp_certificate)', () => {
  it('publishes the certificate for signing and encryption, and says AuthnRequests are signed', async () => {
    const gw = await flowGateway({ saml: keyedSp });
    const xml = (await request(gw.app).get(`${BASE}/saml/metadata`)).text;
    expect(xml).toContain('AuthnRequestsSigned="true"');
    const published = [...xml.matchAll(/<KeyDescriptor use="(\w+)">[\s\S]*?<ds:X509Certificate>([^<]+)</g)];
    expect(published.map(([, use, body]) => [use, body!.replace(/\s/g, '')])).toEqual([
      ['signing', certificateBody(fixture('sp.crt'))],
      ['encryption', certificateBody(fixture('sp.crt'))],
    ]);
  });

  it('signs the AuthnRequest so that the IdP verifies it over the query as it arrives', async () => {
    const gw = await flowGateway({ saml: keyedSp });
    const keyedMetadata = keyedSp.metadata();
    // Characters that Node's querystring and URLSearchParams (or a browser) encode differently.
    const returnTo = "/~ada/notes/(draft)!*'s";
    const res = await request(gw.app).get(`${BASE}/saml/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(302);
    const location = res.headers.location as string;
    const url = new URL(location);
    expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const authnRequest = await authnRequestOf(location, keyedMetadata);
    expect(authnRequest.relayState).toBe(returnTo);
    expect(authnRequest.xml).toContain(`AssertionConsumerServiceURL="${ACS_URL}"`);

    // The IdP refuses a request whose signed part was changed on the way, and an unsigned one.
    const tampered = location.replace(/RelayState=[^&]*/, 'RelayState=%2Fother');
    await expect(authnRequestOf(tampered, keyedMetadata)).rejects.toThrow(/SIGNATURE_VERIFICATION/);
    const unsigned = location.replace(/&Signature=[^&]*/, '');
    await expect(authnRequestOf(unsigned, keyedMetadata)).rejects.toThrow(/MISSING_SIG_ALG/);
  });

  it('sends no signature without a key', async () => {
    const gw = await flowGateway({ saml: sp });
    const res = await request(gw.app).get(`${BASE}/saml/login?return_to=/docs`);
    const url = new URL(res.headers.location as string);
    expect(url.searchParams.has('Signature')).toBe(false);
    expect(url.searchParams.has('SigAlg')).toBe(false);
  });

  it('signs in with an assertion the IdP encrypted to our certificate', async () => {
    const gw = await flowGateway({ saml: keyedSp });
    const browser = request.agent(gw.app);
    const response = await answerFor(browser, keyedSp, ADA, { encrypted: true });
    const xml = Buffer.from(response, 'base64').toString('utf8');
    expect(xml).toContain('EncryptedAssertion');
    expect(xml).not.toContain('ada@example.org');

    const res = await postToAcs(browser, response, '/docs');
    expect(res.status).toBe(303);
    const app = await browser.get('/docs');
    expect(app.body.headers['x-stepgate-user']).toBe('ada@example.org');
    expect(app.body.headers['x-stepgate-email']).toBe('ada@example.org');
  });

  it('refuses, without a 500, an encrypted assertion when it has no key to read it', async () => {
    const gw = await flowGateway({ saml: sp });
    const warn = vi.spyOn(gw.ports.logger, 'warn');
    onTestFinished(() => warn.mockRestore());
    // Our request answered, but encrypted to a certificate this SP has no key for.
    const unreadable = await samlResponse(ADA, {
      metadata: keyedSp.metadata(),
      encrypted: true,
      inResponseTo: (await authnRequestOf(await sp.loginUrl('/'), metadata)).id,
    });
    const res = await postToAcs(jsonAgent(gw), unreadable);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('saml_rejected');
    expect(warn).toHaveBeenCalledWith('SAML response refused', {
      code: 'saml_rejected',
      reason: expect.stringContaining('No decryption key'),
    });
  });
});
