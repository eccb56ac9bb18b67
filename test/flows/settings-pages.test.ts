/**
 * The settings page as a person reads it: a way back to the application, each way they confirm
 * with what it means, the networks they are not asked on again, the help-desk console for those
 * who may use it, and an authenticator app set up under the name of its device.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  FLOW_USERS,
  NO_PROMPT,
  confirmBy,
  csrfTokenOf,
  directUser,
  flowGateway,
  submitForm,
  totpAt,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

async function gateway(): Promise<FlowGateway> {
  return flowGateway({
    users: { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) },
    policy: NO_PROMPT,
  });
}

async function browserOf(gw: FlowGateway, user: string, returnTo = '/'): Promise<Agent> {
  const browser = request.agent(gw.app).set('Accept', 'text/html');
  await browser
    .post(`${BASE}/login`)
    .type('json')
    .send({ username: user, password: TEST_PASSWORD, return_to: returnTo });
  await confirmBy(gw, browser, 'email', `${user}@example.com`);
  return browser;
}

describe('the settings page', () => {
  it('leads back to the application, and explains each way to confirm and each remembered network', async () => {
    const gw = await gateway();
    const alice = await browserOf(gw, 'alice', '/reports?week=3');
    const page = await alice.get(`${BASE}/settings`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<a href="/reports?week=3">Back to the application</a>');
    expect(page.text).not.toContain('Help desk console');
    expect(page.text).toContain('a•••@example.com');
    expect(page.text).toContain('Codes are sent to it when you have no mobile number');
    expect(page.text).toContain('<h2>Remembered networks</h2>');
    expect(page.text).toContain('so signing in from them again does not ask for a code.');
    expect(page.text).toMatch(
      /<th scope="row">[0-9.:a-f]+\/(32|64|128)<\/th>\s*<td><time datetime="[^"]+">[^<]+ UTC<\/time><\/td>/,
    );
    expect(page.text).toMatch(/<td>Email<\/td>\s*<\/tr>/);
  });

  it('links a help desk to the console', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const page = await helen.get(`${BASE}/settings`);
    expect(page.text).toContain(`<a href="${BASE}/admin">Help desk console</a>`);
  });

  it('sets up an authenticator app under the name of its device, which the help desk sees too', async () => {
    const gw = await gateway();
    const alice = await browserOf(gw, 'alice');
    const enrol = await submitForm(alice, `${BASE}/settings`, `${BASE}/settings/authenticator`);
    expect(enrol.text).toContain('<label for="device">Name of this device</label>');
    const secret = /<code>([A-Z2-7]+)<\/code>/.exec(enrol.text)?.[1] ?? '';
    const done = await alice
      .post(`${BASE}/settings/authenticator`)
      .type('form')
      .send({
        device: '  Work phone ',
        code: totpAt(secret, gw.clock.now()),
        _csrf: csrfTokenOf(enrol.text),
      });
    expect(done.status).toBe(303);
    const page = await alice.get(`${BASE}/settings`);
    expect(page.text).toMatch(/An authenticator app is set up on Work phone, since <time datetime="[^"]+">/);
    const json = await alice.get(`${BASE}/settings`).set('Accept', 'application/json');
    expect(json.body.credentials).toEqual([
      expect.objectContaining({ method: 'authenticator', name: 'Work phone' }),
    ]);

    const helen = await browserOf(gw, 'helen');
    expect((await helen.get(`${BASE}/admin/users/alice`)).text).toContain('Set up on Work phone');
  });

  it('is in French for a browser that asks for it', async () => {
    const gw = await gateway();
    const alice = await browserOf(gw, 'alice');
    const page = await alice.get(`${BASE}/settings`).set('Accept-Language', 'fr');
    expect(page.text).toContain('<h1>Vos paramètres de connexion</h1>');
    expect(page.text).toContain('Retour à l&#39;application');
    expect(page.text).toContain('<h2>Réseaux mémorisés</h2>');
  });
});
