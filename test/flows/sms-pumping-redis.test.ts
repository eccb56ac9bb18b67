/**
 * The SMS-pumping guard's budgets across a fleet (docs/sms-pumping.md): two gateway instances,
 * each over its own Redis connection, share the fleet-wide and per-network budgets, whichever
 * instance each send reaches.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { TestClock } from '../helpers/clock.js';
import { openRedisPair, TEST_REDIS_URL, type RedisPair } from '../helpers/redis.js';
import {
  FLOW_USERS,
  directUser,
  flowGateway,
  jsonAgent,
  send,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';

const url = TEST_REDIS_URL;
const prefix = `stepgate-test:${randomUUID()}:`;

const USERS = {
  ...FLOW_USERS,
  us1: directUser({ email: 'us1@example.com', mobile: '+14155550100' }),
  us2: directUser({ email: 'us2@example.com', mobile: '+14155550102' }),
  gb1: directUser({ email: 'gb1@example.com', mobile: '+447400123456' }),
  gb2: directUser({ email: 'gb2@example.com', mobile: '+447400123457' }),
};

let pair: RedisPair;
let connections: RedisConnection[] = [];

beforeAll(async () => {
  pair = await openRedisPair(url);
  connections = [pair.here, pair.there];
});

afterAll(async () => {
  await pair.close(prefix);
});

async function fleet(guard: Record<string, unknown>): Promise<[FlowGateway, FlowGateway]> {
  const clock = new TestClock();
  const own = `${prefix}${randomUUID()}:`;
  const policy = {
    version: 1,
    mobile_registration: { prompt: false },
    methods: { sms: { pumping_guard: guard } },
  };
  const start = (redis: RedisConnection | undefined) => {
    if (!redis) throw new Error('no Redis connection');
    return flowGateway({
      users: USERS,
      policy,
      clock,
      config: { server: { trusted_proxies: ['127.0.0.1/32'] } },
      limiter: new RedisLimiter(redis.client, { prefix: own, clock }),
    });
  };
  return [await start(connections[0]), await start(connections[1])];
}

async function sendFrom(gw: FlowGateway, user: string, ip: string) {
  const { agent } = await signIn(gw, user, jsonAgent(gw, { 'X-Forwarded-For': ip }));
  return send(agent, 'sms');
}

describe('the SMS-pumping guard across a fleet sharing one Redis', () => {
  it('spends one fleet-wide budget whichever instance sends', async () => {
    const [a, b] = await fleet({ fleet_budget: { count: 3, per: '1h' } });
    expect((await sendFrom(a, 'us1', '192.0.2.1')).status).toBe(200);
    expect((await sendFrom(b, 'gb1', '198.51.100.1')).status).toBe(200);
    expect((await sendFrom(a, 'us2', '203.0.113.1')).status).toBe(200);
    const onB = await sendFrom(b, 'gb2', '192.0.2.200');
    expect(onB.status).toBe(429);
    expect(onB.body.error).toBe('sms_unavailable');
    const onA = await sendFrom(a, 'gb2', '203.0.113.50');
    expect(onA.status).toBe(429);
    const refused = await b.store.queryHistory({ user: 'gb2', limit: 10 });
    expect(refused.map((entry) => entry.detail)).toEqual(['sms guard: fleet_budget']);
  });

  it('spends one budget per source network and per country whichever instance sends', async () => {
    const [a, b] = await fleet({
      per_network: { count: 1, per: '1h' },
      country_budget: { count: 2, per: '1h' },
    });
    expect((await sendFrom(a, 'us1', '192.0.2.1')).status).toBe(200);
    expect((await sendFrom(b, 'gb1', '192.0.2.2')).body.error).toBe('sms_unavailable');
    expect((await sendFrom(b, 'us2', '198.51.100.1')).status).toBe(200);
    // The US budget is spent on both instances: a third network, a third US number, refused.
    expect((await sendFrom(a, 'us2', '203.0.113.1')).body.error).toBe('sms_unavailable');
    expect((await sendFrom(a, 'gb1', '203.0.114.1')).status).toBe(200);
  });
});
