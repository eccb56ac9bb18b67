/** SPEC §5: the verification history records every attempt — status, trigger, source IP, login, entry point, user agent. */
import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../gateway/ports.js';
import {
  ALWAYS,
  BASE,
  BOB_MOBILE,
  NEW_MOBILE,
  flowGateway,
  issueTemporaryCode,
  jsonAgent,
  lastCode,
  send,
  signIn,
  signOut,
  verify,
  wrongCode,
  type FlowGateway,
} from '../helpers/flow.js';

const USER_AGENT = 'FlowTest/1.0 (history)';

/** The user's history, oldest first. */
async function historyOf(gw: FlowGateway, user: string): Promise<StoredHistoryEntry[]> {
  return (await gw.store.queryHistory({ user, limit: 100 })).reverse();
}

const summary = (entries: StoredHistoryEntry[]) =>
  entries.map((e) => [e.method, e.status, e.triggeredBy] as const);

describe('verification history (SPEC §5)', () => {
  it('records a registration, a decline and a challenge in order, and a later sign-in on the same network', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice', jsonAgent(gw, { 'User-Agent': USER_AGENT }));
    await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    await agent.post(`${BASE}/mobile/verify`).send({ code: wrongCode(lastCode(gw, 'sms', NEW_MOBILE)) });
    await agent.post(`${BASE}/mobile/decline`).send({});
    await send(agent, 'email');
    const code = lastCode(gw, 'email', 'alice@example.com');
    await verify(agent, 'email', wrongCode(code));
    expect((await verify(agent, 'email', code)).body.next).toBe('done');
    await signOut(agent);
    await signIn(gw, 'alice', jsonAgent(gw, { 'User-Agent': USER_AGENT }));

    const history = await historyOf(gw, 'alice');
    expect(summary(history)).toEqual([
      ['sms', 'Initiated', 'MobileRegistration'],
      ['sms', 'FailedInvalidCode', 'MobileRegistration'],
      ['sms', 'Declined', 'MobileRegistration'],
      ['email', 'Initiated', 'NewNetwork'],
      ['email', 'FailedInvalidCode', 'NewNetwork'],
      ['email', 'Succeeded', 'NewNetwork'],
      ['none', 'Skipped', null],
    ]);
    for (const entry of history) {
      expect(entry).toMatchObject({
        user: 'alice',
        sourceIp: '127.0.0.1',
        login: 'direct',
        entryPoint: 'standard',
        userAgent: USER_AGENT,
      });
    }
  });

  it('records sends refused by the limit and the lock, triggered by confirm_always', async () => {
    const gw = await flowGateway({
      policy: { ...ALWAYS, identity_confirmation: { lockout: { max_failures: 3 } } },
    });
    const { agent } = await signIn(gw, 'bob', jsonAgent(gw, { 'User-Agent': USER_AGENT }));
    for (let i = 0; i < 6; i++) await send(agent, 'sms');
    const code = lastCode(gw, 'sms', BOB_MOBILE);
    for (let i = 0; i < 3; i++) await verify(agent, 'sms', wrongCode(code));
    expect((await verify(agent, 'sms', code)).status).toBe(423);

    const history = await historyOf(gw, 'bob');
    expect(summary(history)).toEqual([
      ...Array(5).fill(['sms', 'Initiated', 'Always']),
      ['sms', 'RateLimited', 'Always'],
      ['sms', 'FailedInvalidCode', 'Always'],
      ['sms', 'FailedInvalidCode', 'Always'],
      ['sms', 'FailedInvalidCode', 'Always'],
      ['sms', 'Locked', 'Always'],
      ['sms', 'Locked', 'Always'],
    ]);
    for (const entry of history) {
      expect(entry).toMatchObject({
        user: 'bob',
        sourceIp: '127.0.0.1',
        login: 'direct',
        userAgent: USER_AGENT,
      });
    }
  });

  it('records registration attempts, including those the lock refuses', async () => {
    const gw = await flowGateway({
      policy: { version: 1, identity_confirmation: { lockout: { max_failures: 3 } } },
    });
    const { agent } = await signIn(gw, 'alice', jsonAgent(gw, { 'User-Agent': USER_AGENT }));
    await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    const code = lastCode(gw, 'sms', NEW_MOBILE);
    for (let i = 0; i < 3; i++) await agent.post(`${BASE}/mobile/verify`).send({ code: wrongCode(code) });
    expect((await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE })).status).toBe(423);
    expect((await agent.post(`${BASE}/mobile/verify`).send({ code })).status).toBe(423);

    const registration = (await historyOf(gw, 'alice')).filter((e) => e.triggeredBy === 'MobileRegistration');
    expect(summary(registration)).toEqual([
      ['sms', 'Initiated', 'MobileRegistration'],
      ['sms', 'FailedInvalidCode', 'MobileRegistration'],
      ['sms', 'FailedInvalidCode', 'MobileRegistration'],
      ['sms', 'FailedTooManyAttempts', 'MobileRegistration'],
      ['sms', 'Locked', 'MobileRegistration'],
      ['sms', 'Locked', 'MobileRegistration'],
      ['sms', 'Locked', 'MobileRegistration'],
    ]);
    for (const entry of registration) {
      expect(entry).toMatchObject({ sourceIp: '127.0.0.1', login: 'direct', userAgent: USER_AGENT });
    }
  });

  it('records a temporary code success as triggered by TemporaryCode', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const temporary = await issueTemporaryCode(gw, 'alice');
    const { agent } = await signIn(gw, 'alice');
    expect((await verify(agent, 'temporary_code', temporary)).body.next).toBe('done');

    const [entry, ...rest] = await historyOf(gw, 'alice');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      method: 'temporary_code',
      status: 'Succeeded',
      triggeredBy: 'TemporaryCode',
    });
  });

  it('records a sign-in the policy lets through unchallenged as Skipped, with its entry point', async () => {
    const gw = await flowGateway({
      config: { server: { entry_points: { portal: { hosts: ['portal.localhost'] } } } },
    });
    const agent = jsonAgent(gw, { Host: 'portal.localhost', 'User-Agent': USER_AGENT });
    expect((await signIn(gw, 'pat', agent)).next).toBe('done');

    const history = await historyOf(gw, 'pat');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      method: 'none',
      status: 'Skipped',
      triggeredBy: null,
      entryPoint: 'portal',
      login: 'direct',
      sourceIp: '127.0.0.1',
      userAgent: USER_AGENT,
    });
  });
});
