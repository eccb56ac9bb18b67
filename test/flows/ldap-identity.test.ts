/**
 * One person, one identity, through HTTP against an Active-Directory-shaped slapd
 * (test/fixtures/ldap/ad.ldif): `mzhang`, `MZHANG` and `mo.zhang@corp.example` find one entry,
 * so they are one user with one SMS allowance, one lockout, one set of remembered networks and
 * one history. An entry without the configured username attribute never signs in as what was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import { DIRECTORY_PASSWORD } from '../fixtures/ldap/people.js';
import { AD_DIRECTORY, AD_USER_FILTER, MO_MOBILE, MO_SPELLINGS } from '../fixtures/ldap/ad.js';
import {
  BASE,
  LOCKED,
  RATE_LIMITED,
  confirmBy,
  flowGateway,
  jsonAgent,
  messagesTo,
  send,
  verify,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';

let slapd: Slapd;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: AD_DIRECTORY });
});
afterAll(async () => slapd?.stop());

/** SPEC §3's AD example: the filter takes either name, the identity is sAMAccountName. */
function adDirectory(attributes: Record<string, string> = { username: 'sAMAccountName' }) {
  return new LdapDirectory(
    ldapConfig(slapd.url, { user_filter: AD_USER_FILTER, attributes, default_region: 'US' }, AD_DIRECTORY),
  );
}

/** One signed-in agent per spelling, each at the confirmation step. */
async function signInEverySpelling(gw: FlowGateway): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (const typed of MO_SPELLINGS) {
    const agent = jsonAgent(gw);
    const res = await agent.post(`${BASE}/login`).send({ username: typed, password: DIRECTORY_PASSWORD });
    expect(res.status, `${typed}: ${JSON.stringify(res.body)}`).toBe(200);
    expect(res.body.next).toBe('confirm');
    agents.push(agent);
  }
  return agents;
}

async function statuses(requests: (() => PromiseLike<{ status: number }>)[]): Promise<number[]> {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).status);
  return result;
}

describe('three spellings of one directory user', () => {
  it('share one SMS allowance: the sixth SMS is refused whichever spelling asks', async () => {
    const gw = await flowGateway({ directory: adDirectory() });
    const [lower, upper, principal] = await signInEverySpelling(gw);
    if (!lower || !upper || !principal) throw new Error('three agents expected');
    const sends = [lower, lower, upper, upper, principal].map((agent) => () => send(agent, 'sms'));
    expect(await statuses(sends)).toEqual([200, 200, 200, 200, 200]);
    for (const agent of [lower, upper, principal]) {
      const sixth = await send(agent, 'sms');
      expect(sixth.status).toBe(429);
      expect(sixth.body.message).toBe(RATE_LIMITED);
    }
    expect(messagesTo(gw, 'sms', MO_MOBILE)).toHaveLength(5);
  });

  it('share one lockout: ten failures spread over the three lock all three', async () => {
    const gw = await flowGateway({ directory: adDirectory() });
    const [lower, upper, principal] = await signInEverySpelling(gw);
    if (!lower || !upper || !principal) throw new Error('three agents expected');
    expect((await send(lower, 'sms')).status).toBe(200);
    const wrong = [...Array<Agent>(4).fill(lower), ...Array<Agent>(4).fill(upper), principal];
    expect(await statuses(wrong.map((agent) => () => verify(agent, 'sms', '000000')))).toEqual(
      Array(9).fill(400),
    );
    const tenth = await verify(upper, 'sms', '000000');
    expect(tenth.status).toBe(423);
    for (const agent of [lower, principal]) {
      const res = await send(agent, 'sms');
      expect(res.status).toBe(423);
      expect(res.body.message).toBe(LOCKED);
    }
  });

  it('share one remembered network and one history, and reach the application as one name', async () => {
    const gw = await flowGateway({ directory: adDirectory() });
    const [, upper, principal] = await signInEverySpelling(gw);
    if (!upper || !principal) throw new Error('three agents expected');
    await confirmBy(gw, principal, 'sms', MO_MOBILE);
    const app = await principal.get('/app');
    expect(app.body.headers['x-stepgate-user']).toBe('mzhang');

    // The network mo.zhang@corp.example confirmed is MZHANG's too.
    const again = jsonAgent(gw);
    const res = await again.post(`${BASE}/login`).send({ username: 'MZHANG', password: DIRECTORY_PASSWORD });
    expect(res.body.next).toBe('done');

    const history = await gw.store.queryHistory({ limit: 100 });
    expect(history.length).toBeGreaterThan(2);
    expect(new Set(history.map((entry) => entry.user))).toEqual(new Set(['mzhang']));
    expect(await gw.store.queryHistory({ user: 'mzhang', limit: 100 })).toHaveLength(history.length);
  });
});

describe('an entry without the username attribute', () => {
  const UNUSABLE = {
    error: 'directory_entry_unusable',
    message: 'Your directory account has no username this service can use. Tell your help desk.',
  };

  it('never signs in as the typed name (the default `username: uid`, which AD lacks)', async () => {
    const gw = await flowGateway({ directory: adDirectory({}) });
    for (const typed of MO_SPELLINGS) {
      const agent = jsonAgent(gw);
      const res = await agent.post(`${BASE}/login`).send({ username: typed, password: DIRECTORY_PASSWORD });
      expect(res.status, typed).toBe(502);
      expect(res.body).toEqual(UNUSABLE);
      expect((await agent.get('/app')).status).toBe(401);
    }
    expect(await gw.store.queryHistory({ limit: 10 })).toEqual([]);
  });

  it('is refused with the same answer when one entry lacks it; a wrong password is still a 401', async () => {
    const gw = await flowGateway({ directory: adDirectory() });
    const login = (password: string) =>
      jsonAgent(gw).post(`${BASE}/login`).send({ username: 'kiosk@corp.example', password });
    const res = await login(DIRECTORY_PASSWORD);
    expect(res.status).toBe(502);
    expect(res.body).toEqual(UNUSABLE);
    expect((await login('not it')).status).toBe(401);
  });
});
