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

  it('removes a lost phone once asked and confirmed: the next challenge offers email', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const remove = `${ADMIN}/users/bob/mobile/remove`;
    // The user's page links to a question, and a post that does not confirm only asks it again.
    expect((await helen.get(`${ADMIN}/users/bob`)).text).toContain(`href="${remove}"`);
    const asked = await submitForm(helen, remove, remove);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('<h1>Remove bob&#39;s mobile number?</h1>');
    expect(asked.text).toContain('+1 ••• ••• ••23');
    expect((await helen.get(`${ADMIN}/users/bob`)).text).toMatch(/<th scope="row">Mobile<\/th>\s*<td>\+1/);

    const res = await submitForm(helen, remove, remove, { confirm: 'yes' });
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
      expect.stringMatching(/^198\.51\.100\.4\/32 .* \d\d:01 UTC Email Revoke$/),
      expect.stringMatching(/^203\.0\.113\.7\/32 .* \d\d:00 UTC Email Revoke$/),
    ]);
    expect(listed.text).toContain('<th scope="col">Network</th>');

    const one = await submitForm(helen, page, action, { network: '203.0.113.7/32' });
    expect(one.status).toBe(303);
    expect(rowsAfter((await helen.get(page)).text, 'Remembered networks')).toEqual([
      expect.stringMatching(/^198\.51\.100\.4\/32 /),
    ]);
    const { next } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': '203.0.113.7' }));
    expect(next).toBe('confirm');

    // Every network: asked first, on a page of its own that says how many.
    const asked = await submitForm(helen, page, action, { all: 'yes' });
    expect(asked.text).toContain('<h1>Revoke all of alice&#39;s remembered networks?</h1>');
    expect(asked.text).toContain('The 1 remembered network is forgotten');
    expect(rowsAfter((await helen.get(page)).text, 'Remembered networks')).toHaveLength(1);
    await submitForm(helen, action, action, { all: 'yes', confirm: 'yes' });
    expect((await helen.get(page)).text).toContain('None: the next sign-in from any network is challenged.');
  });

  it("shows the user's recent history newest first, with the help desk's actions", async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    await submitForm(helen, `${ADMIN}/users/bob`, `${ADMIN}/users/bob/temporary-code`, { hours: '2' });
    gw.clock.advance(MINUTE);
    const remove = `${ADMIN}/users/bob/mobile/remove`;
    await submitForm(helen, remove, remove, { confirm: 'yes' });
    const page = await helen.get(`${ADMIN}/users/bob`);
    expect(page.text).toContain('<th scope="col">Time</th>');
    const rows = rowsAfter(page.text, 'Recent history');
    // Statuses, triggers and actions in words; times in UTC, said so (a script shows them locally).
    expect(rows).toEqual([
      expect.stringMatching(
        /^\S+ \d\d:\d\d UTC Help desk: mobile number removed Succeeded 192\.0\.2\.10 removed .* by helen via page$/,
      ),
      expect.stringMatching(
        /^\S+ \d\d:\d\d UTC Help desk: temporary code issued Succeeded Temporary code from the help desk 192\.0\.2\.10 valid 2h .* by helen via page$/,
      ),
    ]);
    expect(page.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z">/);
    expect(page.text).toContain(`${ADMIN}/v1/history?user=bob&amp;format=csv`);
  });

  it('shows where a user is signed in, and signs one session or all of them out', async () => {
    const gw = await gateway();
    const bob = await signIn(
      gw,
      'bob',
      jsonAgent(gw, { 'X-Forwarded-For': '203.0.113.7', 'User-Agent': 'Phone' }),
    );
    await confirmBy(gw, bob.agent, 'sms', BOB_MOBILE);
    gw.clock.advance(MINUTE);
    const other = await signIn(
      gw,
      'bob',
      jsonAgent(gw, { 'X-Forwarded-For': '198.51.100.4', 'User-Agent': 'Laptop' }),
    );
    const helen = await browserOf(gw, 'helen');
    const page = `${ADMIN}/users/bob`;
    const listed = await helen.get(page);
    expect(rowsAfter(listed.text, 'Signed in now')).toEqual([
      expect.stringMatching(/^\S+ \d\d:01 UTC 198\.51\.100\.4 Laptop Password Confirming Sign out$/),
      expect.stringMatching(/^\S+ \d\d:00 UTC 203\.0\.113\.7 Phone Password Confirmed Sign out$/),
    ]);
    // Sessions are named by a handle: the session id, which the cookie carries, is not on the page.
    for (const cookie of [bob.cookie, other.cookie]) {
      const sid =
        decodeURIComponent(cookie ?? '')
          .replace(/^s:/, '')
          .split('.')[0] ?? '';
      expect(sid.length).toBeGreaterThan(10);
      expect(listed.text).not.toContain(sid);
    }
    expect((await bob.agent.get('/app')).status).toBe(200);

    const row = listed.text.split('<tr>').find((r) => r.includes('from 203.0.113.7'));
    const handle = /name="session" value="([^"]+)"/.exec(row ?? '')?.[1];
    const one = await submitForm(helen, page, `${page}/sessions/sign-out`, { session: handle ?? '' });
    expect(one.headers.location).toBe(`${page}?done=signed-out`);
    expect((await bob.agent.get('/app')).status).toBe(401);
    expect(rowsAfter((await helen.get(page)).text, 'Signed in now')).toHaveLength(1);

    await submitForm(helen, page, `${page}/sessions/sign-out`, { all: 'yes' });
    expect((await other.agent.get(`${BASE}/confirm`)).status).toBe(401);
    const after = await helen.get(page);
    expect(after.text).toContain('bob is not signed in anywhere.');
    expect(rowsAfter(after.text, 'Recent history')[0]).toMatch(
      /Help desk: signed out Succeeded .* 1 session/,
    );
  });

  it('reads the whole history with filters by user, method, status and day, a page at a time', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    for (let i = 0; i < 60; i += 1) {
      await gw.store.appendHistory({
        time: new Date(gw.clock.now().getTime() + i * MINUTE),
        user: i % 2 === 0 ? 'alice' : 'bob',
        method: i % 3 === 0 ? 'sms' : 'email',
        status: i % 5 === 0 ? 'FailedInvalidCode' : 'Succeeded',
        triggeredBy: 'NewNetwork',
        sourceIp: '203.0.113.7',
        login: 'direct',
        entryPoint: 'standard',
        userAgent: null,
        detail: `entry ${i}`,
      });
    }
    const history = `${ADMIN}/history`;
    const all = await helen.get(history);
    expect(all.status).toBe(200);
    expect(all.text).toContain('<h1>Verification history</h1>');
    expect(all.text).toContain('<label for="history-status">Status</label>');
    // 50 a page, newest first, and a link to the older ones.
    const firstPage = [...all.text.matchAll(/entry (\d+)/g)].map((m) => Number(m[1]));
    expect(firstPage).toHaveLength(50);
    expect(firstPage[0]).toBe(59);
    const older = /href="([^"]+before=\d+)">Older entries</.exec(all.text)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBeDefined();
    const second = await helen.get(older ?? '');
    expect([...second.text.matchAll(/entry (\d+)/g)].map((m) => Number(m[1]))).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
    expect(second.text).toContain('>Newest entries</a>');

    const filtered = await helen.get(`${history}?user=BOB&method=sms&status=FailedInvalidCode`);
    const found = [...filtered.text.matchAll(/entry (\d+)/g)].map((m) => Number(m[1]));
    // Odd (bob), a multiple of 3 (sms) and of 5 (a wrong code): 45 and 15.
    expect(found).toEqual([45, 15]);
    expect(filtered.text).toContain('<option value="FailedInvalidCode" selected>Wrong code</option>');
    expect(filtered.text).toContain('>Clear the filters</a>');

    // One day, UTC, both ends included: the entries of the days before and after are left out.
    const day = new Date(gw.clock.now().getTime() + 30 * MINUTE).toISOString().slice(0, 10);
    const dated = await helen.get(`${history}?since=${day}&until=${day}&method=email&user=alice`);
    expect(dated.status).toBe(200);
    const inDay = [...dated.text.matchAll(/entry (\d+)/g)].map((m) => Number(m[1]));
    const expected = [...Array(60).keys()]
      .reverse()
      .filter((i) => i % 2 === 0 && i % 3 !== 0)
      .filter((i) => new Date(gw.clock.now().getTime() + i * MINUTE).toISOString().startsWith(day));
    expect(inDay).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    const bad = await helen.get(`${history}?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('&#39;yesterday&#39; is not a date: use the form 2026-05-04.');
    expect(bad.text).toContain('value="yesterday"');
  });

  it('speaks French to a help desk whose browser asks for it, and loads only its own time script', async () => {
    const gw = await gateway();
    const helen = await browserOf(gw, 'helen');
    const page = await helen.get(`${ADMIN}/users/bob`).set('Accept-Language', 'fr-FR,fr;q=0.9,en;q=0.5');
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain('<h2>Comment bob confirme son identité</h2>');
    expect(page.text).toContain('Supprimer le numéro de mobile');
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(page.headers['content-security-policy']))?.[1];
    expect(nonce).toBeDefined();
    expect([...page.text.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      `<script src="${BASE}/assets/local-time.js" nonce="${nonce}" defer>`,
    ]);
    const script = await helen.get(`${BASE}/assets/local-time.js`);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain("querySelectorAll('time[datetime]')");
  });
});
