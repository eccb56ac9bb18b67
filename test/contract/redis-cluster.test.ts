/**
 * The limiter contract and the session store contract on a three-master Redis Cluster, started
 * for this suite from Debian's redis-server (test/helpers/redis-topology.ts), reached through
 * node-redis's createCluster as `session.redis.cluster_nodes` reaches it. Every command stepgate
 * sends names one key, so each goes to the master of its key's slot; these cases show the keys of
 * one run land on every master and still behave as on one node.
 */
import { randomUUID } from 'node:crypto';
import { createCluster, type RedisClusterType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRedis,
  deleteKeysUnder,
  type RedisCommands,
  type RedisConnection,
} from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { RedisReplayCache } from '../../adapters/redis/replay-cache.js';
import { redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError, systemClock } from '../../gateway/ports.js';
import { startCluster, type ClusterSetup } from '../helpers/redis-topology.js';
import { describeLimiterContract } from './limiter-contract.js';
import { describeRedisSessionStore, get, sessionData, set } from './redis-session-store-contract.js';

const prefix = `stepgate-test:${randomUUID()}:`;
const hour = 3_600_000;
const now = new Date(Date.UTC(2030, 0, 15, 9, 30));

let cluster: ClusterSetup | undefined;
let connections: RedisConnection<RedisCommands>[] = [];
/** A plain cluster client of the test's own, to look at where keys went. */
let inspector: RedisClusterType | undefined;

function openConnection(): RedisConnection<RedisCommands> {
  if (!cluster) throw new Error('the cluster did not start');
  const connection = connectRedis({ kind: 'cluster', nodes: cluster.nodes }, { logger: silentLogger });
  connections.push(connection);
  return connection;
}

const first = (): RedisCommands => {
  const connection = connections[0];
  if (!connection) throw new Error('no connection to the cluster');
  return connection.client;
};

beforeAll(async () => {
  cluster = await startCluster();
  for (const connection of [openConnection(), openConnection()]) {
    if (!(await connection.waitUntilReady(10_000))) throw new Error('the cluster did not answer');
  }
  inspector = createCluster({ rootNodes: cluster.nodes.map((url) => ({ url })) });
  await inspector.connect();
}, 60_000);

afterAll(async () => {
  try {
    if (inspector) {
      await deleteKeysUnder(inspector, prefix);
      inspector.destroy();
    }
    await Promise.all(connections.map((connection) => connection.close()));
    connections = [];
  } finally {
    await cluster?.stop();
  }
}, 30_000);

describeLimiterContract(
  'RedisLimiter on a three-master Redis Cluster',
  () => new RedisLimiter(first(), { prefix }),
);

describeRedisSessionStore('a three-master Redis Cluster', {
  here: () => first(),
  there: () => connections[1]?.client ?? first(),
  prefix: `${prefix}sess:`,
});

describe('stepgate on a three-master Redis Cluster', () => {
  /** The port of the master that holds `key`. */
  async function masterOf(key: string): Promise<string> {
    if (!inspector) throw new Error('no inspector');
    const slot = Number(await inspector.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
    const owner = inspector.masters.find((master) => inspector?.slots[slot]?.master === master);
    return String(owner?.port);
  }

  it('spreads limits and sessions over every master, and each still counts as on one node', async () => {
    const limiter = new RedisLimiter(first(), { prefix: `${prefix}spread:` });
    const store = redisSessionStore(first(), { prefix: `${prefix}spread:sess:` });
    const owners = new Set<string>();
    for (let user = 0; user < 12; user += 1) {
      for (let send = 1; send <= 5; send += 1) {
        expect(await limiter.take(`sms:user-${user}`, 5, hour, now)).toMatchObject({
          allowed: true,
          count: send,
        });
      }
      expect(await limiter.take(`sms:user-${user}`, 5, hour, now)).toMatchObject({
        allowed: false,
        count: 5,
      });
      await set(store, `sid-${user}`, sessionData(`user-${user}`));
      expect((await get(store, `sid-${user}`))?.returnTo).toBe(`/for/user-${user}`);
      owners.add(await masterOf(`${prefix}spread:limit:take:sms:user-${user}`));
      owners.add(await masterOf(`${prefix}spread:sess:sid-${user}`));
    }
    expect(owners.size).toBe(3);
  });

  it('refuses a replayed id from another connection, whichever master holds it', async () => {
    const [a, b] = [
      new RedisReplayCache(first(), systemClock, { prefix }),
      new RedisReplayCache(connections[1]?.client ?? first(), systemClock, { prefix }),
    ];
    const until = new Date(Date.now() + 60_000);
    for (let id = 0; id < 6; id += 1) {
      expect(await a.remember(`assertion-${id}`, until)).toBe(true);
      expect(await b.remember(`assertion-${id}`, until)).toBe(false);
    }
  });

  it('answers /readyz by pinging every master, and fails closed once closed', async () => {
    const connection = openConnection();
    expect(await connection.waitUntilReady(10_000)).toBe(true);
    await expect(connection.ping()).resolves.toBeUndefined();
    const limiter = new RedisLimiter(connection.client, { prefix });
    await connection.close();
    await expect(limiter.take('closed', 5, hour, now)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(connection.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('deletes keys under a prefix on every master', async () => {
    if (!inspector) throw new Error('no inspector');
    const own = `${prefix}delete:`;
    for (let i = 0; i < 20; i += 1) await first().set(`${own}${i}`, 'x');
    expect(await deleteKeysUnder(inspector, own)).toBe(20);
    for (let i = 0; i < 20; i += 1) expect(await first().get(`${own}${i}`)).toBeNull();
  });
});
