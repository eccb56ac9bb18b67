/** SPEC §2: 10 consecutive failures within an hour lock the user out for an hour. */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  BASE,
  HOUR,
  LOCKED,
  NEW_MOBILE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  lastCode,
  messagesTo,
  send,
  signIn,
  signOut,
  verify,
  wrongCode,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';

const ALICE = 'alice@example.com';

/** Sends a fresh email code, answers it wrongly `times` times and returns the statuses and the right code. */
async function failWithNewCode(gw: FlowGateway, agent: Agent, times: number) {
  expect((await send(agent, 'email')).status).toBe(200);
  const code = lastCode(gw, 'email', ALICE);
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await verify(agent, 'email', wrongCode(code))).status);
  return { statuses, code };
}

describe('lockout after consecutive failures (SPEC §2)', () => {
  it('locks the user out after 10 failures in a row: no answer and no new code for an hour', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    const { statuses } = await failWithNewCode(gw, agent, 9);
    expect(statuses).toEqual(Array(9).fill(400));

    const tenth = await verify(agent, 'email', '000000');
    expect(tenth.status).toBe(423);
    expect(tenth.body).toEqual({ error: 'locked', message: LOCKED, retry_after: 3600 });

    const sending = await send(agent, 'email');
    expect(sending.status).toBe(423);
    expect(sending.body.error).toBe('locked');
    expect(sending.body.message).toBe(LOCKED);
    expect(messagesTo(gw, 'email', ALICE)).toHaveLength(1);
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('refuses even the right code while locked, and lets the user in after the hour', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    await failWithNewCode(gw, agent, 4);
    await failWithNewCode(gw, agent, 4);
    const { statuses, code } = await failWithNewCode(gw, agent, 2);
    expect(statuses).toEqual([400, 423]);
    // That code is neither void nor expired: only the lock refuses it.
    expect((await verify(agent, 'email', code)).status).toBe(423);

    gw.clock.advance(HOUR - 1);
    expect((await send(agent, 'email')).status).toBe(423);
    gw.clock.advance(1);
    await confirmBy(gw, agent, 'email', ALICE);
  });

  it('does not forget failures when a new code is sent', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    const rounds = [];
    for (const times of [3, 3, 3, 1]) rounds.push((await failWithNewCode(gw, agent, times)).statuses);
    expect(rounds).toEqual([[400, 400, 400], [400, 400, 400], [400, 400, 400], [423]]);
  });

  it('does not lock when the failures are spread over more than an hour', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(gw, 'alice');
    await failWithNewCode(gw, agent, 5);
    gw.clock.advance(HOUR / 2);
    const middle = await failWithNewCode(gw, agent, 4);
    expect(middle.statuses).toEqual([400, 400, 400, 400]);

    gw.clock.advance(HOUR / 2 + 1); // the first five are now more than an hour old
    const late = await verify(agent, 'email', wrongCode(middle.code));
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('invalid_code');
    await confirmBy(gw, agent, 'email', ALICE);
  });

  it('ends the run of failures with a success', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const first = await signIn(gw, 'alice');
    await failWithNewCode(gw, first.agent, 5);
    const { code } = await failWithNewCode(gw, first.agent, 4);
    expect((await verify(first.agent, 'email', code)).body.next).toBe('done');
    await signOut(first.agent);

    const second = await signIn(gw, 'alice');
    const { statuses } = await failWithNewCode(gw, second.agent, 9);
    expect(statuses).toEqual(Array(9).fill(400));
    await confirmBy(gw, second.agent, 'email', ALICE);
  });

  it('counts failures of every method together, registration codes included', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    const registration = lastCode(gw, 'sms', NEW_MOBILE);
    for (let i = 0; i < 3; i++) {
      expect((await agent.post(`${BASE}/mobile/verify`).send({ code: wrongCode(registration) })).status).toBe(
        400,
      );
    }
    await agent.post(`${BASE}/mobile/decline`).send({});

    const { statuses } = await failWithNewCode(gw, agent, 7);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 423]);
  });
});
