/** SPEC §1.5: at most 5 SMS per user per rolling hour, refused with 429 and the SPEC's sentence; email has its own limit. */
import { describe, expect, it } from 'vitest';
import {
  BASE,
  BOB_MOBILE,
  HOUR,
  MINUTE,
  NEW_MOBILE,
  RATE_LIMITED,
  confirmBy,
  csrfTokenOf,
  flowGateway,
  lastCode,
  messagesTo,
  send,
  signIn,
  signOut,
  type Agent,
} from '../helpers/flow.js';

async function sendTimes(agent: Agent, method: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await send(agent, method)).status);
  return statuses;
}

describe('SMS send limit (SPEC §1.5)', () => {
  it('sends 5 SMS codes in an hour and refuses the sixth with the SPEC sentence', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    expect(await sendTimes(agent, 'sms', 5)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await send(agent, 'sms');
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toBe('rate_limited');
    expect(sixth.body.message).toBe(RATE_LIMITED);
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(5);
  });

  it('shows the same sentence on the page when a browser asks for a sixth code', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    await sendTimes(agent, 'sms', 5);
    const page = await agent.get(`${BASE}/confirm`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const res = await agent
      .post(`${BASE}/confirm/send`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ method: 'sms', _csrf: csrfTokenOf(page.text) });
    expect(res.status).toBe(429);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(RATE_LIMITED);
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(5);
  });

  it('counts a rolling hour: once the first send is an hour old, exactly one more is allowed', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'bob');
    expect(await sendTimes(agent, 'sms', 1)).toEqual([200]);
    gw.clock.advance(20 * MINUTE);
    expect(await sendTimes(agent, 'sms', 4)).toEqual([200, 200, 200, 200]);

    gw.clock.advance(40 * MINUTE - 1);
    expect((await send(agent, 'sms')).status).toBe(429);
    gw.clock.advance(1);
    expect(await sendTimes(agent, 'sms', 2)).toEqual([200, 429]);
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(6);
  });

  it('counts registration texts toward the same limit', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    for (let i = 0; i < 4; i++) {
      expect((await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE })).status).toBe(200);
    }
    await agent.post(`${BASE}/mobile/verify`).send({ code: lastCode(gw, 'sms', NEW_MOBILE) });
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    await signOut(agent);

    await gw.store.revokeRememberedNetworks('alice');
    gw.clock.advance(30 * MINUTE);
    const later = await signIn(gw, 'alice');
    expect(await sendTimes(later.agent, 'sms', 2)).toEqual([200, 429]);
    expect(messagesTo(gw, 'sms', NEW_MOBILE)).toHaveLength(5);
  });

  it('refuses a registration text over the limit with the same sentence', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    for (let i = 0; i < 5; i++) await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    const res = await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    expect(res.status).toBe(429);
    expect(res.body.error).toBe('rate_limited');
    expect(res.body.message).toBe(RATE_LIMITED);
  });

  it('gives email a limit of its own: 10 an hour, whatever SMS did', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'carol');
    expect(await sendTimes(agent, 'sms', 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await sendTimes(agent, 'email', 10)).toEqual(Array(10).fill(200));
    const eleventh = await send(agent, 'email');
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error).toBe('rate_limited');
    expect(messagesTo(gw, 'email', 'carol@example.com')).toHaveLength(10);

    gw.clock.advance(HOUR);
    expect(await sendTimes(agent, 'email', 1)).toEqual([200]);
  });
});
