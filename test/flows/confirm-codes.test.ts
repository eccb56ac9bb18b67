/** SPEC §2: the numbers of one-time codes — length, lifetime, single use, wrong attempts — and TOTP. */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  BOB_MOBILE,
  MINUTE,
  NO_PROMPT,
  flowGateway,
  lastCode,
  send,
  sessionCookie,
  signIn,
  signOut,
  totpAt,
  verify,
  wrongCode,
  type FlowGateway,
} from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const STEP = 30_000;

async function withAuthenticator(gw: FlowGateway, user: string): Promise<void> {
  await gw.store.saveCredential(
    authenticatorCredential({ user, secret: SECRET, createdAt: gw.clock.now(), lastUsedStep: null }),
  );
}

describe('one-time codes (SPEC §2)', () => {
  it('sends 6-digit codes by SMS and by email', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'carol');
    await send(agent, 'sms');
    await send(agent, 'email');
    expect(lastCode(gw, 'sms', '+12015550199')).toMatch(/^\d{6}$/);
    expect(lastCode(gw, 'email', 'carol@example.com')).toMatch(/^\d{6}$/);
  });

  it('accepts a code for 10 minutes: still at 9m59s, no more at 10m', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    await send(agent, 'email');
    const stale = lastCode(gw, 'email', 'alice@example.com');
    gw.clock.advance(10 * MINUTE);
    const late = await verify(agent, 'email', stale);
    expect(late.status).toBe(400);
    expect(late.body).toEqual({
      error: 'invalid_code',
      message: 'There is no active code. Request a new code.',
      attempts_left: 0,
    });

    await send(agent, 'email');
    gw.clock.advance(10 * MINUTE - 1000);
    const inTime = await verify(agent, 'email', lastCode(gw, 'email', 'alice@example.com'));
    expect(inTime.body).toEqual({ next: 'done', redirect: '/' });
  });

  it('accepts a code once: a second sign-in cannot reuse it', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const first = await signIn(gw, 'alice');
    const second = await signIn(gw, 'alice');
    await send(first.agent, 'email');
    const code = lastCode(gw, 'email', 'alice@example.com');
    expect((await verify(first.agent, 'email', code)).body.next).toBe('done');

    const reused = await verify(second.agent, 'email', code);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_code');
    expect((await second.agent.get('/app')).status).toBe(401);
  });

  it('counts only the newest code: an earlier one stops working when another is sent', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    await send(agent, 'email');
    const older = lastCode(gw, 'email', 'alice@example.com');
    await send(agent, 'email');
    const newer = lastCode(gw, 'email', 'alice@example.com');
    expect(newer).not.toBe(older);
    const res = await verify(agent, 'email', older);
    expect(res.status).toBe(400);
    expect(res.body.attempts_left).toBe(4);
    expect((await verify(agent, 'email', newer)).body.next).toBe('done');
  });

  it('voids a code after 5 wrong attempts, counting down what is left', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    await send(agent, 'sms');
    const code = lastCode(gw, 'sms', BOB_MOBILE);
    const left = [];
    for (let i = 0; i < 5; i++) left.push((await verify(agent, 'sms', wrongCode(code))).body.attempts_left);
    expect(left).toEqual([4, 3, 2, 1, 0]);

    const res = await verify(agent, 'sms', code);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_code',
      message: 'That code can no longer be used after too many wrong attempts. Request a new code.',
      attempts_left: 0,
    });
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('gives the session a new id once confirmed', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent, cookie } = await signIn(gw, 'alice');
    expect(cookie).toBeDefined();
    await send(agent, 'email');
    const res = await verify(agent, 'email', lastCode(gw, 'email', 'alice@example.com'));
    expect(res.body.next).toBe('done');
    const renewed = sessionCookie(res);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(cookie);
  });
});

describe('authenticator codes (SPEC §2: TOTP, ±1 step, accepted once)', () => {
  it('accepts the code of the step before or after the current one, not two steps away', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    await withAuthenticator(gw, 'alice');
    const at = (offset: number) => totpAt(SECRET, new Date(gw.clock.now().getTime() + offset));

    const first = await signIn(gw, 'alice');
    expect((await verify(first.agent, 'authenticator', at(-2 * STEP))).status).toBe(400);
    expect((await verify(first.agent, 'authenticator', at(-STEP))).body.next).toBe('done');
    await signOut(first.agent);

    const second = await signIn(gw, 'alice');
    expect((await verify(second.agent, 'authenticator', at(2 * STEP))).status).toBe(400);
    expect((await verify(second.agent, 'authenticator', at(STEP))).body.next).toBe('done');
  });

  it('accepts an authenticator code once', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    await withAuthenticator(gw, 'alice');
    const code = totpAt(SECRET, gw.clock.now());

    const first = await signIn(gw, 'alice');
    expect((await verify(first.agent, 'authenticator', code)).body.next).toBe('done');
    await signOut(first.agent);

    const second = await signIn(gw, 'alice');
    const replay = await verify(second.agent, 'authenticator', code);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_code');
    gw.clock.advance(STEP);
    const next = await verify(second.agent, 'authenticator', totpAt(SECRET, gw.clock.now()));
    expect(next.body.next).toBe('done');
  });
});
