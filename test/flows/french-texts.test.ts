/**
 * Under `Accept-Language: fr`, the passkey pages and the errors of the programs' doors (the
 * sidecar and admin APIs, forward-auth, the SAML answer) show no English sentence: every text a
 * person reads comes from the catalogue. English is told by its small words (the, your, is, ...),
 * which French does not use, so a text written inline, outside the catalogue, is caught too.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  BASE,
  BOB_MOBILE,
  FLOW_USERS,
  confirmBy,
  directUser,
  flowGateway,
  signIn,
  submitForm,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';

const ADMIN_TOKEN = 'admin-token-for-the-french-tests-0123456789';
const SIDECAR_TOKEN = 'sidecar-token-for-the-french-tests-0123456789';

const ENGLISH_WORDS = new Set(
  'the your you is are was not this that with and to of for can cannot could been has have will'.split(' '),
);

/** What a person reads on a page or in a message: text, labels, and the page script's texts. */
function readable(text: string): string[] {
  const withoutCode = text.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ');
  const attributes = [
    ...withoutCode.matchAll(/\s(?:aria-label|title|alt|placeholder|data-[a-z-]+)="([^"]*)"/g),
  ]
    .map((m) => m[1] ?? '')
    .filter((value) => !value.startsWith('{'));
  const body = withoutCode.replace(/<[^>]+>/g, '\n');
  return [...body.split('\n'), ...attributes]
    .map((line) =>
      line
        .replace(/&#39;/g, "'")
        .replace(/&[a-z]+;/g, ' ')
        .trim(),
    )
    .filter((line) => line !== '');
}

/** The lines written in English: one of its small words, which French never writes. */
function english(text: string): string[] {
  return readable(text).filter((line) => {
    const words = line.toLowerCase().match(/[a-z']+/g) ?? [];
    return words.some((word) => ENGLISH_WORDS.has(word));
  });
}

async function gateway(): Promise<FlowGateway> {
  const gw = await flowGateway({
    users: { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) },
    policy: ALWAYS,
    config: {
      admin: {
        api_tokens: [
          { name: 'helpdesk', token: ADMIN_TOKEN, scopes: ['admin'] },
          { name: 'idp', token: SIDECAR_TOKEN, scopes: ['sidecar'] },
        ],
      },
    },
  });
  const key = {
    credentialId: 'AAAAAAAAAAAAAAAAAAAAAA',
    publicKey: '',
    transports: ['internal'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    backupEligible: false,
    backedUp: false,
  };
  await gw.store.saveCredential({
    id: 'key-1',
    user: 'bob',
    type: 'webauthn',
    name: 'Clé bleue',
    data: JSON.stringify(key),
    createdAt: gw.clock.now(),
    lastUsedAt: null,
    counter: null,
  });
  return gw;
}

/** A French browser signed in as bob, confirmed by a text message. */
async function frenchBrowser(gw: FlowGateway, user = 'bob'): Promise<Agent> {
  const browser = request.agent(gw.app).set('Accept-Language', 'fr');
  await browser.post(`${BASE}/login`).send({ username: user, password: 'correct horse' });
  await confirmBy(gw, browser, 'sms', BOB_MOBILE);
  browser.set('Accept', 'text/html');
  return browser;
}

describe('French pages and errors', () => {
  it('tells English apart, so the checks below can fail', () => {
    expect(english('<p>Use your passkey</p><button aria-label="Remove this key">x</button>')).toEqual([
      'Use your passkey',
      'Remove this key',
    ]);
    expect(english('<p>Utilisez votre clé d&#39;accès pour continuer.</p>')).toEqual([]);
  });

  it('shows the passkey pages in French: the keys in the settings, adding one, and using one', async () => {
    const gw = await gateway();
    const bob = await frenchBrowser(gw);
    const settings = await bob.get(`${BASE}/settings`);
    expect(settings.status).toBe(200);
    expect(settings.text).toContain('Clés d&#39;accès et clés de sécurité');
    expect(english(settings.text)).toEqual([]);

    const add = await submitForm(bob, `${BASE}/settings`, `${BASE}/settings/webauthn`);
    expect(add.status).toBe(200);
    expect(add.text).toContain('id="webauthn-form"');
    expect(english(add.text)).toEqual([]);

    // A new sign-in, challenged: the passkey's page asks the browser in French.
    const again = request.agent(gw.app).set('Accept-Language', 'fr');
    await signIn(gw, 'bob', again);
    const use = await submitForm(again, `${BASE}/confirm`, `${BASE}/confirm/send`, { method: 'webauthn' });
    expect(use.status).toBe(200);
    expect(use.text).toContain('data-ceremony="authenticate"');
    expect(english(use.text)).toEqual([]);
  });

  it('answers the APIs, forward-auth and the SAML endpoint in French, codes unchanged', async () => {
    const gw = await gateway();
    const french = (test: request.Test) =>
      test.set('Accept-Language', 'fr').set('Accept', 'application/json');

    const sidecar = await french(request(gw.app).post(`${BASE}/sidecar/v1/evaluate`)).send({});
    expect(sidecar.status).toBe(401);
    expect(sidecar.body.error).toBe('unauthorized');
    const wrongScope = await french(request(gw.app).post(`${BASE}/sidecar/v1/evaluate`))
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({});
    expect(wrongScope.body.error).toBe('insufficient_scope');
    const invalid = await french(request(gw.app).post(`${BASE}/sidecar/v1/evaluate`))
      .set('Authorization', `Bearer ${SIDECAR_TOKEN}`)
      .send({ user: 'bob', login: 'direct', client_ip: 'nowhere', extra: 1 });
    expect(invalid.body.error).toBe('invalid_request');
    expect(invalid.body.message).toMatch(/^La requête n'est pas valide : /);

    const unknown = await french(request(gw.app).get(`${BASE}/admin/v1/users/nobody`)).set(
      'Authorization',
      `Bearer ${ADMIN_TOKEN}`,
    );
    expect(unknown.body.error).toBe('unknown_user');
    const hours = await french(request(gw.app).post(`${BASE}/admin/v1/users/bob/temporary-code`))
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ hours: 30 });
    expect(hours.body.error).toBe('invalid_hours');

    const proxy = await french(request(gw.app).get(`${BASE}/authz/forward-auth`));
    expect(proxy.body.error).toBe('untrusted_proxy');

    for (const res of [sidecar, wrongScope, invalid, unknown, hours, proxy]) {
      expect(english(String(res.body.message)), String(res.body.message)).toEqual([]);
    }

    // A browser's refused SAML answer is a page, in French too.
    const page = await request(gw.app)
      .post(`${BASE}/saml/acs`)
      .set('Accept-Language', 'fr')
      .type('form')
      .send({ RelayState: '/' });
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(english(page.text)).toEqual([]);
  });
});
