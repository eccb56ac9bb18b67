/**
 * Every change to how an account is confirmed is told to its owner by exactly one email, and
 * never by SMS, whoever makes it: the user in the settings (an authenticator app or a passkey set
 * up or removed), or a help desk through the admin API (a passkey or mobile removed, a temporary
 * code issued). One module sends them all (gateway/notices). Through the real routes, reading the
 * outbox.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { formatUtc } from '../../gateway/i18n/time.js';
import type { OutboxEntry } from '../../adapters/outbox/outbox.js';
import {
  BASE,
  BOB_MOBILE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  signIn,
  totpAt,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { SoftwareAuthenticator } from '../helpers/webauthn.js';

const ADMIN_TOKEN = 'admin-token-for-the-change-notice-tests-0001';
const ORIGIN = 'http://localhost:8080';

async function gateway(): Promise<FlowGateway> {
  return flowGateway({ policy: NO_PROMPT, config: { admin: { api_tokens: [ADMIN_TOKEN] } } });
}

function helpDesk(gw: FlowGateway) {
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  return {
    post: (path: string, body: object) => auth(request(gw.app).post(`${BASE}/admin/v1${path}`)).send(body),
    delete: (path: string) => auth(request(gw.app).delete(`${BASE}/admin/v1${path}`)),
  };
}

/** A confirmed session of `user` (its own new-network notice already sent). */
async function confirmedSession(gw: FlowGateway, user: string, method: 'sms' | 'email', to: string) {
  const { agent } = await signIn(gw, user);
  await confirmBy(gw, agent, method, to);
  return agent;
}

/** What the outbox holds after `action`: every message it sent, on either channel. */
async function sentBy(gw: FlowGateway, action: () => Promise<unknown>): Promise<OutboxEntry[]> {
  const before = gw.outbox().length;
  await action();
  return gw.outbox().slice(before);
}

async function addAuthenticator(gw: FlowGateway, agent: Agent, device: string) {
  const shown = await agent.post(`${BASE}/settings/authenticator`).send({});
  expect(shown.status, JSON.stringify(shown.body)).toBe(200);
  const secret = shown.body.secret as string;
  const done = await agent
    .post(`${BASE}/settings/authenticator`)
    .send({ code: totpAt(secret, gw.clock.now()), device });
  expect(done.body, JSON.stringify(done.body)).toMatchObject({ enrolled: true });
}

async function addPasskey(agent: Agent, name: string): Promise<string> {
  const begun = await agent.post(`${BASE}/settings/webauthn`).send({});
  expect(begun.status, JSON.stringify(begun.body)).toBe(200);
  const key = new SoftwareAuthenticator({ origin: ORIGIN });
  const done = await agent
    .post(`${BASE}/settings/webauthn`)
    .send({ response: key.register(begun.body.options), name });
  expect(done.body, JSON.stringify(done.body)).toMatchObject({ enrolled: true });
  return done.body.credential.id as string;
}

function oneEmail(sent: OutboxEntry[], to: string, subject: string): OutboxEntry {
  expect(sent.map(({ channel, to, subject }) => ({ channel, to, subject }))).toEqual([
    { channel: 'email', to, subject },
  ]);
  return sent[0] as OutboxEntry;
}

const ADDED = 'A way to confirm it is you was added to your account';
const REMOVED = 'A way to confirm it is you was removed from your account';

describe('notices of changes made in the settings', () => {
  it('tells the user of an authenticator app set up and removed, once each, by email', async () => {
    const gw = await gateway();
    const alice = await confirmedSession(gw, 'alice', 'email', 'alice@example.com');

    const added = oneEmail(
      await sentBy(gw, () => addAuthenticator(gw, alice, 'Work phone')),
      'alice@example.com',
      ADDED,
    );
    expect(added.body).toContain("Authenticator app 'Work phone' was just added to your account");

    const removed = oneEmail(
      await sentBy(gw, async () => {
        const res = await alice.post(`${BASE}/settings/authenticator`).send({ action: 'remove' });
        expect(res.body).toMatchObject({ enrolled: false, removed: 1 });
      }),
      'alice@example.com',
      REMOVED,
    );
    expect(removed.body).toContain("Authenticator app 'Work phone' was just removed from your account");
  });

  it('tells the user of a passkey set up and of one removed, naming it', async () => {
    const gw = await gateway();
    const alice = await confirmedSession(gw, 'alice', 'email', 'alice@example.com');
    let id = '';
    const added = oneEmail(
      await sentBy(gw, async () => (id = await addPasskey(alice, 'Office key'))),
      'alice@example.com',
      ADDED,
    );
    expect(added.body).toContain("Passkey or security key 'Office key' was just added");
    await addPasskey(alice, 'Spare key');

    const removed = oneEmail(
      await sentBy(gw, () =>
        alice.post(`${BASE}/settings/webauthn`).send({ action: 'remove', credential: id }),
      ),
      'alice@example.com',
      REMOVED,
    );
    expect(removed.body).toContain("Passkey or security key 'Office key' was just removed");
  });
});

describe('notices of changes made by a help desk', () => {
  it('tells the user of a passkey removed through the admin API', async () => {
    const gw = await gateway();
    const alice = await confirmedSession(gw, 'alice', 'email', 'alice@example.com');
    const id = await addPasskey(alice, 'Lost key');
    const removed = oneEmail(
      await sentBy(gw, async () => {
        const res = await helpDesk(gw).delete(`/users/alice/credentials/${id}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }),
      'alice@example.com',
      REMOVED,
    );
    expect(removed.body).toContain("Passkey or security key 'Lost key' was just removed");
  });

  it('tells the user of their mobile number removed, by email and not to that number', async () => {
    const gw = await gateway();
    await confirmedSession(gw, 'bob', 'sms', BOB_MOBILE);
    const removed = oneEmail(
      await sentBy(gw, async () => {
        const res = await helpDesk(gw).delete('/users/bob/mobile');
        expect(res.body).toEqual({ removed: true });
      }),
      'bob@example.com',
      'A mobile number was removed from your account',
    );
    expect(removed.body).toContain('The mobile number +1 ••• ••• ••23 was removed');
    expect(removed.body).not.toContain(BOB_MOBILE);
    // Nothing to remove, nothing to tell.
    expect(await sentBy(gw, () => helpDesk(gw).delete('/users/bob/mobile'))).toEqual([]);
  });

  it('tells the user of a temporary code issued, once, with when it stops working and not the code', async () => {
    const gw = await gateway();
    let issued: request.Response | undefined;
    const notice = oneEmail(
      await sentBy(gw, async () => {
        issued = await helpDesk(gw).post('/users/alice/temporary-code', { hours: 2 });
        expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      }),
      'alice@example.com',
      'A temporary verification code was issued for you',
    );
    expect(notice.body).toContain(formatUtc(new Date(issued?.body.expires_at as string)));
    expect(notice.body).not.toContain(issued?.body.code as string);
  });
});
