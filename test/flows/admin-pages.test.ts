/**
 * The help-desk pages through HTTP as a browser uses them: a cookie jar, HTML, and forms that
 * carry the CSRF token of the page they came from.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  BOB_MOBILE,
  FLOW_USERS,
  MINUTE,
  NO_PROMPT,
  confirmBy,
  directUser,
  flowGateway,
  jsonAgent,
  offered,
  signIn,
  signOut,
  submitForm,
  verify,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';

const ADMIN = `${BASE}/admin`;

async function gateway(): Promise<FlowGateway> {
  return flowGateway({
    users: { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) },
    policy: NO_PROMPT,
    config: { server: { trusted_proxies: ['127.0.0.1/32'] } },
  });
}

/** A browser (no Accept: application/json) holding a confirmed session of `user`. */
async function browserOf(gw: FlowGateway, user: string): Promise<Agent> {
  const browser = request.agent(gw.app).set('X-Forwarded-For', '192.0.2.10');
  await browser.post(`${BASE}/login`).send({ username: user, password: 'correct horse' });
  await confirmBy(gw, browser, 'email', `${user}@example.com`);
  return browser;
}

/** The text of the table rows under a heading, one string per row, tags removed. */
function rowsAfter(html: string, heading: string): string[] {
  const section = html.slice(html.indexOf(`<h2>${heading}</h2>`));
  const table = section.slice(0, section.indexOf('</table>'));
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .map((m) =>
      (m[1] ?? '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .slice(1);
}

describe('help-desk pages', () => {
  it('sends a browser that is not signed in to the sign-in page, and refuses a user without the permission', async () => {
    const gw = await gateway();
    const anonymous = await request(gw.app).get(`${ADMIN}?user=bob`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(
      `${BASE}/login?return_to=${encodeURIComponent(`${ADMIN}?user=bob`)}`,
    );

    const unconfirmed = request.agent(gw.app);
    await unconfirmed.post(`${BASE}/login`).send({ username: 'helen', password: 'correct horse' });
    expect((await unconfirmed.get(ADMIN)).headers.location).toBe(`${BASE}/confirm`);

    const alice = await browserOf(gw, 'alice');
    const refused = await alice.get(ADMIN);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('manage_identity_confirmation');
  });

  it('finds a user and shows their methods masked, in labelled tables', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const find = await helen.get(ADMIN);
    expect(find.text).toMatch(
      /<label for="find-user">Username<\/label>\s*<input type="text" id="find-user" name="user"/,
    );
    const found = await helen.get(`${ADMIN}?user=Bob`);
    expect(found.status).toBe(303);
    const page = await helen.get(found.headers.location as string);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<h1>bob</h1>');
    expect(page.text).toContain('<th scope="row">Mobile</th>');
    expect(page.text).toMatch(/<th scope="row">Mobile<\/th>\s*<td>\+1 [^<]*23<\/td>/);
    expect(page.text).not.toContain('5550123');
    expect(page.text).not.toContain('bob@example.com');

    const unknown = await helen.get(`${ADMIN}/users/nobody`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('There is no user named &#39;nobody&#39;.');
  });

  it('removes a lost phone: the next challenge offers email', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const res = await submitForm(helen, `${ADMIN}/users/bob`, `${ADMIN}/users/bob/mobile/remove`);
    expect(res.status).toBe(303);
    const after = await helen.get(res.headers.location as string);
    expect(after.text).toContain('The mobile number was removed.');
    expect(after.text).toMatch(/<th scope="row">Mobile<\/th>\s*<td>None verified<\/td>/);

    const { agent } = await signIn(gw, 'bob');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email']);
    expect(gw.outbox().filter((m) => m.to === BOB_MOBILE)).toEqual([]);
  });

  it('issues a temporary code shown once, which then works for the user', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const refused = await submitForm(helen, `${ADMIN}/users/alice`, `${ADMIN}/users/alice/temporary-code`, {
      hours: '1.5',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('1 to 24 whole hours');

    const res = await submitForm(helen, `${ADMIN}/users/alice`, `${ADMIN}/users/alice/temporary-code`, {
      hours: '4',
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const code = /<p class="code" id="temporary-code"[^>]*>(\d{8})<\/p>/.exec(res.text)?.[1];
    expect(code).toMatch(/^\d{8}$/);
    expect(res.text).toContain('shown only this once');

    const later = await helen.get(`${ADMIN}/users/alice`);
    expect(later.text).not.toContain(code);
    expect(later.text).toContain('Expire the active code now');

    const { agent } = await signIn(gw, 'alice');
    expect((await verify(agent, 'temporary_code', code ?? '')).status).toBe(200);

    const expired = await submitForm(
      helen,
      `${ADMIN}/users/alice`,
      `${ADMIN}/users/alice/temporary-code/expire`,
    );
    expect((await helen.get(expired.headers.location as string)).text).toContain(
      'The temporary code was expired.',
    );
  });

  it('refuses a form posted without the token of its page', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const res = await helen.post(`${ADMIN}/users/bob/mobile/remove`).type('form').send({});
    expect(res.status).toBe(403);
    const page = await helen.get(`${ADMIN}/users/bob`);
    expect(page.text).toMatch(/<th scope="row">Mobile<\/th>\s*<td>\+1/);
  });

  it('lists remembered networks and revokes one, then all', async () => {
    const gw = await gateway();
    for (const ip of ['203.0.113.7', '198.51.100.4']) {
      const { agent } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': ip }));
      await confirmBy(gw, agent, 'email', 'alice@example.com');
      await signOut(agent);
      gw.clock.advance(MINUTE);
    }
    const helen = await browserOf(gw, 'helen');
    const page = `${ADMIN}/users/alice`;
    const action = `${page}/activations/revoke`;
    const listed = await helen.get(page);
    expect(rowsAfter(listed.text, 'Remembered networks')).toEqual([
      expect.stringMatching(/^198\.51\.100\.4\/32 .*:01:00.000Z email Revoke$/),
      expect.stringMatching(/^203\.0\.113\.7\/32 .*:00:00.000Z email Revoke$/),
    ]);
    expect(listed.text).toContain('<th scope="col">Network</th>');

    const one = await submitForm(helen, page, action, { network: '203.0.113.7/32' });
    expect(one.status).toBe(303);
    expect(rowsAfter((await helen.get(page)).text, 'Remembered networks')).toEqual([
      expect.stringMatching(/^198\.51\.100\.4\/32 /),
    ]);
    const { next } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': '203.0.113.7' }));
    expect(next).toBe('confirm');

    await submitForm(helen, page, action, { all: 'yes' });
    expect((await helen.get(page)).text).toContain('None: the next sign-in from any network is challenged.');
  });

  it("shows the user's recent history newest first, with the help desk's actions", async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    await submitForm(helen, `${ADMIN}/users/bob`, `${ADMIN}/users/bob/temporary-code`, { hours: '2' });
    gw.clock.advance(MINUTE);
    await submitForm(helen, `${ADMIN}/users/bob`, `${ADMIN}/users/bob/mobile/remove`);
    const page = await helen.get(`${ADMIN}/users/bob`);
    expect(page.text).toContain('<th scope="col">Time</th>');
    const rows = rowsAfter(page.text, 'Recent history');
    expect(rows).toEqual([
      expect.stringMatching(/^\S+ admin:remove_mobile Succeeded 192\.0\.2\.10 removed .* by helen via page$/),
      expect.stringMatching(
        /^\S+ admin:issue_temporary_code Succeeded TemporaryCode 192\.0\.2\.10 valid 2h .* by helen via page$/,
      ),
    ]);
    expect(page.text).toContain(`${ADMIN}/v1/history?user=bob&amp;format=csv`);
  });
});
