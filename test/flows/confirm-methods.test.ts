/** SPEC §1.1 (every method works), §1.3 (which methods are offered) and §1.10 (no coverage). */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  BASE,
  EMAIL_OPTION,
  HOUR,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  issueTemporaryCode,
  lastCode,
  offered,
  send,
  signIn,
  signOut,
  totpAt,
  verify,
} from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

describe('each way to confirm works (SPEC §1.1)', () => {
  it('confirms with a code sent by email and then reaches the application', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');
    const sent = await send(agent, 'email');
    expect(sent.body).toEqual({ sent: true, destination: 'a•••@example.com' });
    const res = await verify(agent, 'email', lastCode(gw, 'email', 'alice@example.com'));
    expect(res.body).toEqual({ next: 'done', redirect: '/' });
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('email');
  });

  it('confirms with a code sent by SMS to the mobile from the users file', async () => {
    const gw = await flowGateway();
    const { agent, next } = await signIn(gw, 'bob');
    expect(next).toBe('confirm');
    const sent = await send(agent, 'sms');
    expect(sent.body).toEqual({ sent: true, destination: '+1 ••• ••• ••23' });
    const res = await verify(agent, 'sms', lastCode(gw, 'sms', '+14155550123'));
    expect(res.body).toEqual({ next: 'done', redirect: '/' });
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('sms');
  });

  it('confirms with an authenticator app enrolled in settings', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const first = await signIn(gw, 'alice');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');

    const shown = await first.agent.post(`${BASE}/settings/authenticator`).send({});
    expect(shown.status).toBe(200);
    const secret = shown.body.secret as string;
    expect(shown.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(shown.body.qr_svg).toContain('<svg');
    const enrolled = await first.agent
      .post(`${BASE}/settings/authenticator`)
      .send({ code: totpAt(secret, gw.clock.now()) });
    expect(enrolled.body).toMatchObject({ enrolled: true, credential: { method: 'authenticator' } });
    await signOut(first.agent);

    // A new network: the remembered one is revoked, as a help desk would.
    await gw.store.revokeRememberedNetworks('alice');
    gw.clock.advance(30_000);
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');
    expect(await offered(agent)).toEqual([
      { id: 'email', destination: 'a•••@example.com' },
      { id: 'authenticator' },
    ]);
    const res = await verify(agent, 'authenticator', totpAt(secret, gw.clock.now()));
    expect(res.body).toEqual({ next: 'done', redirect: '/' });
    expect((await agent.get('/app')).body.headers['x-stepgate-confirmation']).toBe('authenticator');
  });

  it('accepts a temporary code from the help desk at every sign-in while it lasts, then refuses it', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const code = await issueTemporaryCode(gw, 'alice', 1);

    for (let i = 0; i < 2; i++) {
      const { agent } = await signIn(gw, 'alice');
      const res = await verify(agent, 'temporary_code', code);
      expect(res.body).toEqual({ next: 'done', redirect: '/' });
      await signOut(agent);
      gw.clock.advance(20 * 60_000);
    }

    gw.clock.advance(20 * 60_000); // an hour after it was issued
    const { agent } = await signIn(gw, 'alice');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email']);
    const late = await verify(agent, 'temporary_code', code);
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('invalid_method');
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('refuses a temporary code once it has been expired early', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const code = await issueTemporaryCode(gw, 'alice', 24);
    const { agent } = await signIn(gw, 'alice');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email', 'temporary_code']);

    expect(await gw.store.expireTemporaryCode('alice', gw.clock.now())).toBe(true);
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email']);
    const res = await verify(agent, 'temporary_code', code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_method');
    expect((await agent.get('/app')).status).toBe(401);
  });
});

describe('which methods are offered (SPEC §1.3)', () => {
  it('offers SMS and not email to a user with a verified mobile', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    expect(await offered(agent)).toEqual([{ id: 'sms', destination: '+1 ••• ••• ••23' }]);
  });

  it('offers SMS and email to a user holding the email option through the users file', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'carol');
    expect(await offered(agent)).toEqual([
      { id: 'sms', destination: '+1 ••• ••• ••99' },
      { id: 'email', destination: 'c•••@example.com' },
    ]);
    await confirmBy(gw, agent, 'email', 'carol@example.com');
  });

  it('offers email as soon as a help desk assigns the email option, without a restart', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms']);

    await gw.store.assignPermissionSet({
      user: 'bob',
      permissionSet: EMAIL_OPTION,
      assignedAt: gw.clock.now(),
      assignedBy: 'helpdesk',
    });
    expect(await offered(agent)).toEqual([
      { id: 'sms', destination: '+1 ••• ••• ••23' },
      { id: 'email', destination: 'b•••@example.com' },
    ]);
    await confirmBy(gw, agent, 'email', 'bob@example.com');
  });

  it('offers email to a user without a verified mobile', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    expect(await offered(agent)).toEqual([{ id: 'email', destination: 'a•••@example.com' }]);
  });

  it('lists the authenticator app and a temporary code where the user has them', async () => {
    const gw = await flowGateway();
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'bob',
        secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
        createdAt: gw.clock.now(),
        lastUsedStep: null,
      }),
    );
    await issueTemporaryCode(gw, 'bob', 2);
    const { agent } = await signIn(gw, 'bob');
    expect(await offered(agent)).toEqual([
      { id: 'sms', destination: '+1 ••• ••• ••23' },
      { id: 'authenticator' },
      { id: 'temporary_code' },
    ]);
    gw.clock.advance(2 * HOUR);
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms', 'authenticator']);
  });
});

describe('no coverage (SPEC §1.10)', () => {
  it('leaves a user with only a mobile no way round the SMS: email is refused', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms']);

    const sent = await send(agent, 'email');
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({
      error: 'invalid_method',
      message: 'Choose one of the offered methods: sms.',
    });
    expect(gw.outbox().filter((m) => m.channel === 'email')).toEqual([]);
    const app = await agent.get('/app');
    expect(app.status).toBe(401);
    expect(app.body.error).toBe('confirmation_required');
  });
});
