/**
 * The help-desk console removes a credential a user has lost (an authenticator app, a passkey):
 * listed on the user's page, each with its own Remove, which asks first on a page of its own,
 * needs the page's CSRF token and the console permission, and is written to the history as the
 * admin API's DELETE /admin/v1/users/{user}/credentials/{id} is.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  FLOW_USERS,
  NO_PROMPT,
  confirmBy,
  directUser,
  flowGateway,
  submitForm,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';

const ADMIN = `${BASE}/admin`;
const REMOVE = `${ADMIN}/users/bob/credentials/remove`;

async function gateway(): Promise<FlowGateway> {
  const gw = await flowGateway({
    users: { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) },
    policy: NO_PROMPT,
  });
  const at = gw.clock.now();
  const base = { user: 'bob', createdAt: at, lastUsedAt: null, counter: null };
  await gw.store.saveCredential({
    ...base,
    id: 'app-1',
    type: 'authenticator',
    name: 'Work phone',
    data: '{}',
  });
  await gw.store.saveCredential({ ...base, id: 'key-1', type: 'webauthn', name: 'Blue key', data: '{}' });
  return gw;
}

/** A browser holding a confirmed session of `user`. */
async function browserOf(gw: FlowGateway, user: string): Promise<Agent> {
  const browser = request.agent(gw.app);
  await browser.post(`${BASE}/login`).send({ username: user, password: 'correct horse' });
  await confirmBy(gw, browser, 'email', `${user}@example.com`);
  return browser;
}

const held = async (gw: FlowGateway) => (await gw.store.listCredentials('bob')).map((c) => c.id).sort();

describe('removing a credential from the console', () => {
  it('lists each credential with its own Remove, asks first, then removes it and records it', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const page = await helen.get(`${ADMIN}/users/bob`);
    expect(page.text).toContain('<h2>Authenticator apps, passkeys and security keys</h2>');
    expect(page.text).toContain('aria-label="Remove Authenticator app &#39;Work phone&#39;"');
    expect(page.text).toContain('aria-label="Remove Passkey or security key &#39;Blue key&#39;"');

    // The row's button asks; nothing is removed yet.
    const asked = await submitForm(helen, `${ADMIN}/users/bob`, REMOVE, { credential: 'key-1' });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('<h1>Remove bob&#39;s Passkey or security key &#39;Blue key&#39;?</h1>');
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect(asked.text).toContain('name="credential" value="key-1"');
    expect(await held(gw)).toEqual(['app-1', 'key-1']);

    // The question's own form, with its token, removes it.
    const token = /name="_csrf" value="([^"]+)"/.exec(asked.text)?.[1] ?? '';
    const done = await helen
      .post(REMOVE)
      .type('form')
      .send({ _csrf: token, confirm: 'yes', credential: 'key-1' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${ADMIN}/users/bob?done=credential-removed`);
    expect(await held(gw)).toEqual(['app-1']);
    const after = await helen.get(String(done.headers.location));
    expect(after.text).toContain('The credential was removed: it no longer confirms sign-ins.');
    expect(after.text).not.toContain('aria-label="Remove Passkey or security key &#39;Blue key&#39;"');

    const [entry] = await gw.store.queryHistory({ user: 'bob', limit: 1 });
    expect(entry).toMatchObject({ method: 'admin:remove_credential', status: 'Succeeded' });
    expect(entry?.detail).toMatch(/^removed webauthn 'Blue key' .*by helen via page$/);

    // Already gone: said so, nothing else changes.
    const again = await submitForm(helen, `${ADMIN}/users/bob`, REMOVE, {
      confirm: 'yes',
      credential: 'key-1',
    });
    expect(again.headers.location).toBe(`${ADMIN}/users/bob?done=no-credential`);
    expect(await held(gw)).toEqual(['app-1']);
  });

  it('refuses a form without its page token, and a user without console access', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const forged = await helen
      .post(REMOVE)
      .type('form')
      .send({ _csrf: 'not-the-token', confirm: 'yes', credential: 'app-1' });
    expect(forged.status).toBe(403);
    expect(await held(gw)).toEqual(['app-1', 'key-1']);

    const alice = await browserOf(gw, 'alice');
    const settings = await alice.get(`${BASE}/settings`).set('Accept', 'text/html');
    const token = /name="_csrf" value="([^"]+)"/.exec(settings.text)?.[1] ?? '';
    const refused = await alice
      .post(REMOVE)
      .type('form')
      .send({ _csrf: token, confirm: 'yes', credential: 'app-1' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('manage_identity_confirmation');
    expect(await held(gw)).toEqual(['app-1', 'key-1']);
  });

  it('asks in French for a help desk whose browser asks for it', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    helen.set('Accept-Language', 'fr');
    const asked = await submitForm(helen, `${ADMIN}/users/bob`, REMOVE, { credential: 'app-1' });
    expect(asked.text).toContain(
      '<h1>Supprimer Application d&#39;authentification &#39;Work phone&#39; de bob ?</h1>',
    );
  });
});
