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
  wrongCode,
  type Agent,
} from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

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
  it('labels every code input on the challenge page and lets phones fill in one-time codes', async () => {
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
    expect(res.text).toContain('Text a code to +1 ••• ••• ••23');
    expectCodeInput(res.text, 'code-authenticator');
    expectCodeInput(res.text, 'code-temporary_code');
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
