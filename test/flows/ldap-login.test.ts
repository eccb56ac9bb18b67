/**
 * Delegated sign-in through HTTP against a real OpenLDAP slapd (SPEC §1.6, §1.7, §3): directory
 * users are prompted exactly like direct users, their type, mobile and groups come from the
 * directory, and a directory that is down fails closed with a 503.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import type { Directory } from '../../gateway/ports.js';
import {
  DIRECTORY_ALICE_PASSWORD,
  DIRECTORY_PASSWORD,
  HELPDESK_DN,
  MIRA_MOBILE,
  TARA_MOBILE,
  TRAVELLERS_DN,
} from '../fixtures/ldap/people.js';
import {
  BASE,
  EMAIL_OPTION,
  confirmBy,
  csrfTokenOf,
  flowGateway,
  jsonAgent,
  offered,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

let slapd: Slapd;
let directory: LdapDirectory;

beforeAll(async () => {
  slapd = await startSlapd();
  directory = new LdapDirectory(ldapConfig(slapd.url));
});
afterAll(async () => slapd?.stop());

/** The groups of people.ldif mapped the way an admin would map them (case differs on purpose). */
const GROUPS_POLICY = {
  version: 1,
  profiles: { 'Help Desk': { permissions: ['manage_identity_confirmation'], groups: [HELPDESK_DN] } },
  permission_sets: {
    [EMAIL_OPTION]: { permissions: ['email_identity_confirmation'], groups: [TRAVELLERS_DN.toUpperCase()] },
  },
};

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

function signIn(
  gw: FlowGateway,
  username: string,
  password = DIRECTORY_PASSWORD,
  agent: Agent = jsonAgent(gw),
) {
  return agent.post(`${BASE}/login`).send({ username, password });
}

async function nextFor(gw: FlowGateway, username: string, agent?: Agent): Promise<string> {
  const res = await signIn(gw, username, DIRECTORY_PASSWORD, agent);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.next as string;
}

describe('directory users are prompted like direct users (SPEC §1.6)', () => {
  it('asks a directory user without a mobile to register one, as it asks a direct user', async () => {
    const gw = await flowGateway({ directory });
    expect(await nextFor(gw, 'nico')).toBe('register_mobile');
    const direct = await signIn(gw, 'alice', TEST_PASSWORD);
    expect(direct.body.next).toBe('register_mobile');
  });

  it('challenges a user whose mobile is in the directory by SMS, then forwards them as delegated', async () => {
    const gw = await flowGateway({ directory });
    const agent = jsonAgent(gw);
    expect(await nextFor(gw, 'mira', agent)).toBe('confirm');
    expect(await offered(agent)).toEqual([{ id: 'sms', destination: '+1 ••• ••• ••00' }]);
    await confirmBy(gw, agent, 'sms', MIRA_MOBILE);
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers).toMatchObject({
      'x-stepgate-user': 'mira',
      'x-stepgate-email': 'mira@example.org',
      'x-stepgate-login': 'delegated',
      'x-stepgate-confirmation': 'sms',
    });
  });

  it('refuses a wrong directory password with the same answer as any failed sign-in', async () => {
    const gw = await flowGateway({ directory });
    const res = await signIn(gw, 'mira', 'not it');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_credentials',
      message: 'The username or password is incorrect.',
    });
  });
});

describe('entry point and user type from the directory (SPEC §1.7)', () => {
  const config = { server: { entry_points: { portal: { hosts: ['portal.localhost'] } } } };

  it('prompts an external collaboration user at the standard entry point', async () => {
    const gw = await flowGateway({ directory, config });
    expect(await nextFor(gw, 'xena', jsonAgent(gw, { Host: 'localhost:8080' }))).toBe('register_mobile');
  });

  it('does not prompt a portal user at the portal entry point', async () => {
    const gw = await flowGateway({ directory, config });
    expect(await nextFor(gw, 'paul', jsonAgent(gw, { Host: 'portal.localhost:8080' }))).toBe('done');
  });

  it('gives the policy the user type the directory holds', async () => {
    const gw = await flowGateway({
      directory,
      policy: {
        version: 1,
        rules: [
          { name: 'no externals here', when: { user_type: 'external' }, then: 'deny' },
          { name: 'portal users', when: { user_type: 'portal' }, then: 'skip' },
          { name: 'everyone else', then: 'confirm' },
        ],
      },
    });
    expect((await signIn(gw, 'xena')).status).toBe(403); // employeeType: External
    expect(await nextFor(gw, 'paul')).toBe('done');
    expect(await nextFor(gw, 'odile')).toBe('register_mobile'); // employeeType: Contractor -> standard
  });
});

describe('profiles and permission sets from directory groups (SPEC §3)', () => {
  it('offers email alongside SMS to a member of the group mapped to the email option', async () => {
    const gw = await flowGateway({ directory, policy: GROUPS_POLICY });
    const tara = jsonAgent(gw);
    expect(await nextFor(gw, 'tara', tara)).toBe('confirm');
    expect(await offered(tara)).toEqual([
      { id: 'sms', destination: '+1 ••• ••• ••01' },
      { id: 'email', destination: 't•••@example.org' },
    ]);
    await confirmBy(gw, tara, 'email', 'tara@example.org');
    expect(gw.outbox().some((entry) => entry.to === TARA_MOBILE)).toBe(false);

    const mira = jsonAgent(gw); // a mobile, no such group: SMS only
    expect(await nextFor(gw, 'mira', mira)).toBe('confirm');
    expect((await offered(mira)).map((method) => method.id)).toEqual(['sms']);
  });

  it('matches `group` and `profile` rules with what the directory says', async () => {
    const gw = await flowGateway({
      directory,
      policy: {
        ...GROUPS_POLICY,
        rules: [
          { name: 'help desk works from anywhere', when: { profile: 'Help Desk' }, then: 'skip' },
          { name: 'travellers sign in elsewhere', when: { group: TRAVELLERS_DN }, then: 'deny' },
          { name: 'everyone else', then: 'confirm' },
        ],
      },
    });
    // hugo is in helpdesk and travellers: the first rule decides.
    expect(await nextFor(gw, 'hugo')).toBe('done');
    const tara = await signIn(gw, 'tara');
    expect(tara.status).toBe(403);
    expect(tara.body.error).toBe('access_denied');
    expect(await nextFor(gw, 'nico')).toBe('register_mobile');
  });
});

describe('a directory that is down', () => {
  async function downGateway() {
    const url = (await deadUpstreamUrl()).replace('http://', 'ldap://');
    return flowGateway({ directory: new LdapDirectory(ldapConfig(url), { connectTimeoutMs: 500 }) });
  }

  it('answers 503 `unavailable` to an API client and signs nobody in', async () => {
    const gw = await downGateway();
    const agent = jsonAgent(gw);
    const res = await signIn(gw, 'mira', DIRECTORY_PASSWORD, agent);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'unavailable',
      message: 'The directory is unavailable right now. Try again shortly.',
    });
    expect((await agent.get('/app')).status).toBe(401);
    expect(gw.upstream.received).toHaveLength(0);
  });

  it('shows a browser a 503 page that says so', async () => {
    const gw = await downGateway();
    const browser = request.agent(gw.app);
    const form = await browser.get(`${BASE}/login`);
    const res = await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'mira', password: DIRECTORY_PASSWORD, _csrf: csrfTokenOf(form.text) });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('The directory is unavailable right now. Try again shortly.');
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.[jt]s:\d+/);
    expect((await browser.get('/app')).status).toBe(302);
  });

  it('still signs in users of the users file, who never reach the directory', async () => {
    const gw = await downGateway();
    expect((await signIn(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
  });
});

describe('a users-file user and a directory user of the same name', () => {
  /** The real directory, noting who it was asked about. */
  function watched(inner: Directory): Directory & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      authenticate: (username, password) => {
        asked.push(username);
        return inner.authenticate(username, password);
      },
      ping: () => inner.ping(),
    };
  }

  it('checks only the file: the directory password does not open the account', async () => {
    const spy = watched(directory);
    const gw = await flowGateway({ directory: spy, policy: SKIP_ALL });
    expect((await signIn(gw, 'alice', DIRECTORY_ALICE_PASSWORD)).status).toBe(401);
    expect((await signIn(gw, 'ALICE', DIRECTORY_ALICE_PASSWORD)).status).toBe(401);
    const agent = jsonAgent(gw);
    expect((await signIn(gw, 'alice', TEST_PASSWORD, agent)).body.next).toBe('done');
    const app = await agent.get('/app');
    expect(app.body.headers).toMatchObject({
      'x-stepgate-login': 'direct',
      'x-stepgate-email': 'alice@example.com',
    });
    expect(spy.asked).toEqual([]);

    // The spy does see names the file does not hold.
    expect(await nextFor(gw, 'mira')).toBe('done');
    expect(spy.asked).toEqual(['mira']);
  });
});

describe('password guessing against the directory is throttled like any other', () => {
  it('refuses the right directory password after 10 wrong ones, however the name is written', async () => {
    const gw = await flowGateway({ directory, policy: SKIP_ALL });
    for (const name of ['mira', 'MIRA']) {
      for (let i = 0; i < 5; i += 1) expect((await signIn(gw, name, `wrong ${i}`)).status).toBe(401);
    }
    const res = await signIn(gw, 'Mira');
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: 'sign_in_throttled',
      message: 'Too many sign-in attempts have failed. Wait a while, then try again.',
    });
    expect((await signIn(gw, 'nico')).status).toBe(200);
  });
});
