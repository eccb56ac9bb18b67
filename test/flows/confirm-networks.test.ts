/** SPEC §1.2: when a challenge happens — new networks, remembered networks, trusted networks, IPv6 /64s. */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  DAY,
  MINUTE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  jsonAgent,
  signIn,
  signOut,
} from '../helpers/flow.js';

describe('when a challenge happens (SPEC §1.2)', () => {
  it('challenges a sign-in from a network the user has not confirmed, and forwards nothing until then', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');
    const app = await agent.get('/app');
    expect(app.status).toBe(401);
    expect(app.body.error).toBe('confirmation_required');
    expect(gw.upstream.received).toHaveLength(0);
  });

  it('does not challenge again on a network the user confirmed before', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const first = await signIn(gw, 'alice');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');
    await signOut(first.agent);
    const sentBefore = gw.outbox().length;

    gw.clock.advance(7 * DAY);
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('done');
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('remembered_network');
    expect(gw.outbox()).toHaveLength(sentBefore);
  });

  it('never challenges a sign-in from a trusted network', async () => {
    const gw = await flowGateway({
      policy: { ...NO_PROMPT, identity_confirmation: { trusted_networks: ['127.0.0.0/8'] } },
    });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('done');
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('trusted_network');
    expect(gw.outbox()).toEqual([]);
  });

  it('challenges again once remember_networks_for has passed since the confirmation', async () => {
    const gw = await flowGateway({
      policy: { ...NO_PROMPT, identity_confirmation: { remember_networks_for: '30d' } },
    });
    const first = await signIn(gw, 'alice');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');
    await signOut(first.agent);

    gw.clock.advance(30 * DAY - MINUTE);
    const within = await signIn(gw, 'alice');
    expect(within.next).toBe('done');
    await signOut(within.agent);

    gw.clock.advance(MINUTE);
    const after = await signIn(gw, 'alice');
    expect(after.next).toBe('confirm');
    expect((await after.agent.get('/app')).status).toBe(401);
  });

  it('challenges every sign-in under confirm_always, even on a network confirmed a moment ago', async () => {
    const gw = await flowGateway({ policy: ALWAYS });
    const first = await signIn(gw, 'alice');
    expect(first.next).toBe('confirm');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');
    await signOut(first.agent);

    const again = await signIn(gw, 'alice');
    expect(again.next).toBe('confirm');
    expect((await again.agent.get('/app')).status).toBe(401);
  });

  it('remembers an IPv6 network as its /64: a neighbour address passes, another /64 is challenged', async () => {
    const gw = await flowGateway({
      policy: NO_PROMPT,
      config: { server: { trusted_proxies: ['127.0.0.1'] } },
    });
    const from = (ip: string) => jsonAgent(gw, { 'X-Forwarded-For': ip });

    const first = await signIn(gw, 'alice', from('2001:db8:1:2::10'));
    expect(first.next).toBe('confirm');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');

    const neighbour = await signIn(gw, 'alice', from('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(neighbour.next).toBe('done');
    const app = await neighbour.agent.get('/app');
    expect(app.body.headers['x-stepgate-confirmation']).toBe('remembered_network');
    expect(app.body.headers['x-forwarded-for']).toBe('2001:db8:1:2:ffff:ffff:ffff:fffe');

    const elsewhere = await signIn(gw, 'alice', from('2001:db8:1:3::10'));
    expect(elsewhere.next).toBe('confirm');
  });
});
