/** SPEC §4: the challenge and registration pages a browser sees, and CSRF on their forms. */
import { describe, expect, it } from 'vitest';
import {
  BASE,
  BOB_MOBILE,
  NEW_MOBILE,
  csrfTokenOf,
  flowGateway,
  issueTemporaryCode,
  lastCode,
  messagesTo,
  signIn,
  signOut,
  ALWAYS,
  EMAIL_OPTION,
  FLOW_USERS,
  confirmBy,
  directUser,
  wrongCode,
  type Agent,
} from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

/** One heading, one code field label, one submit of each name: nothing on the page twice. */
function expectOneOfEach(html: string): void {
  const texts = (pattern: RegExp) => [...html.matchAll(pattern)].map((m) => (m[1] ?? '').trim());
  for (const pattern of [
    /<label[^>]*>([^<]*)<\/label>/g,
    /<button[^>]*>([^<]*)<\/button>/g,
    /<h2[^>]*>([^<]*)<\/h2>/g,
  ]) {
    const found = texts(pattern);
    expect(new Set(found).size, found.join(' | ')).toBe(found.length);
  }
}

/** The "Try another way" list: [method id, the link's text]. */
function choicesOf(html: string): [string, string][] {
  return [...html.matchAll(/<a href="[^"]*\?method=([a-z_]+)"\s*>([\s\S]*?)<\/a\s*>/g)].map((m) => [
    m[1] ?? '',
    (m[2] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ]);
}

/** The `<input>` tag with this id, so its attributes can be checked together. */
function inputTag(html: string, id: string): string {
  const tag = new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  if (tag === undefined) throw new Error(`no input with id ${id} on the page`);
  return tag;
}

function expectCodeInput(html: string, id: string): void {
  expect(html).toContain(`<label for="${id}">`);
  const input = inputTag(html, id);
  expect(input).toContain('autocomplete="one-time-code"');
  expect(input).toContain('inputmode="numeric"');
}

function page(agent: Agent, path: string) {
  return agent.get(`${BASE}${path}`).set('Accept', 'text/html');
}

function form(agent: Agent, path: string, fields: Record<string, string>) {
  return agent.post(`${BASE}${path}`).set('Accept', 'text/html').type('form').send(fields);
}

describe('confirmation pages', () => {
  it('shows one method at a time, the strongest first, with the others behind "Try another way"', async () => {
    const gw = await flowGateway();
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'bob',
        secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
        createdAt: gw.clock.now(),
        lastUsedStep: null,
      }),
    );
    await issueTemporaryCode(gw, 'bob');
    const { agent } = await signIn(gw, 'bob');
    const res = await page(agent, '/confirm');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<h2 id="method-heading">Authenticator app</h2>');
    expectCodeInput(res.text, 'code-authenticator');
    expect(res.text).not.toContain('code-temporary_code');
    expect(res.text).not.toContain('Text a code');
    expectOneOfEach(res.text);
    expect(res.text).toContain(`<a href="${BASE}/confirm?choose=1">Try another way</a>`);

    const choices = await page(agent, '/confirm?choose=1');
    expect(choicesOf(choices.text)).toEqual([
      ['authenticator', 'Authenticator app Enter the code your authenticator app shows'],
      ['sms', 'Text message Get a code by text message to +1 ••• ••• ••23'],
      [
        'temporary_code',
        'Temporary code from your help desk Enter the temporary code your help desk gave you',
      ],
    ]);

    const sms = await page(agent, '/confirm?method=sms');
    expect(sms.text).toContain('>Text a code to +1 ••• ••• ••23</button>');
    expectOneOfEach(sms.text);
    const temporary = await page(agent, '/confirm?method=temporary_code');
    expectCodeInput(temporary.text, 'code-temporary_code');
    expect(temporary.text).toContain(
      '<label for="code-temporary_code">The code your help desk gave you</label>',
    );
    // A method that is not offered is not shown: the first one is.
    expect((await page(agent, '/confirm?method=email')).text).toContain('code-authenticator');
  });

  it('shows first the method the person confirmed with last time, and marks it in the list', async () => {
    const gw = await flowGateway({
      policy: ALWAYS,
      users: {
        ...FLOW_USERS,
        bob: directUser({ email: 'bob@example.com', mobile: BOB_MOBILE, permission_sets: [EMAIL_OPTION] }),
      },
    });
    const first = await signIn(gw, 'bob');
    expect((await page(first.agent, '/confirm')).text).toContain('>Text a code to +1 ••• ••• ••23</button>');
    await confirmBy(gw, first.agent, 'email', 'bob@example.com');
    await signOut(first.agent);

    const again = await signIn(gw, 'bob');
    const res = await page(again.agent, '/confirm');
    expect(res.text).toContain('<h2 id="method-heading">Email</h2>');
    expect(res.text).toContain('>Email a code to b•••@example.com</button>');
    const choices = await page(again.agent, '/confirm?choose=1');
    expect(choices.text).toMatch(
      /Get a code by email to b•••@example\.com<\/span><span class="muted">Used last time<\/span>/,
    );
  });

  it('says why a number proved during this sign-in is not offered to confirm it', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    const prompt = await page(agent, '/mobile');
    const sent = await form(agent, '/mobile', { phone: NEW_MOBILE, _csrf: csrfTokenOf(prompt.text) });
    const proved = await form(agent, '/mobile/verify', {
      code: lastCode(gw, 'sms', NEW_MOBILE),
      _csrf: csrfTokenOf(sent.text),
    });
    expect(proved.headers.location).toBe(`${BASE}/confirm`);
    const res = await page(agent, '/confirm');
    expect(res.text).toContain(
      'You have just added the mobile number +44 •••• ••••56. A number added while signing in cannot confirm that same sign-in',
    );
    expect(res.text).toContain('>Email a code to a•••@example.com</button>');
    expect(res.text).not.toContain('Try another way');
  });

  it('lets a browser ask for a code, type it into a labelled field and go on', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    const challenge = await page(agent, '/confirm');
    const sent = await form(agent, '/confirm/send', { method: 'sms', _csrf: csrfTokenOf(challenge.text) });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('We sent a code to +1 ••• ••• ••23.');
    expectCodeInput(sent.text, 'code-sms');

    const code = lastCode(gw, 'sms', BOB_MOBILE);
    const wrong = await form(agent, '/confirm/verify', {
      method: 'sms',
      code: wrongCode(code),
      _csrf: csrfTokenOf(sent.text),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code is not right. You have 4 attempts left with this code.');
    expectCodeInput(wrong.text, 'code-sms');

    const done = await form(agent, '/confirm/verify', {
      method: 'sms',
      code,
      _csrf: csrfTokenOf(wrong.text),
    });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
    expect((await agent.get('/app')).status).toBe(200);
  });

  it('refuses a form post without the CSRF token of its page', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    await page(agent, '/confirm');
    const sent = await form(agent, '/confirm/send', { method: 'sms' });
    expect(sent.status).toBe(403);
    expect(sent.text).toContain('This form has expired or did not come from this site.');
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toEqual([]);

    const verified = await form(agent, '/confirm/verify', { method: 'sms', code: '123456' });
    expect(verified.status).toBe(403);
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('labels the mobile number and its code on the registration pages', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    const prompt = await page(agent, '/mobile');
    expect(prompt.text).toContain('<label for="phone">');
    expect(inputTag(prompt.text, 'phone')).toContain('autocomplete="tel"');

    const sent = await form(agent, '/mobile', { phone: NEW_MOBILE, _csrf: csrfTokenOf(prompt.text) });
    expect(sent.status).toBe(200);
    expectCodeInput(sent.text, 'code');
  });
});
