/**
 * The three ways to reach Redis, each through node-redis's own factory: one node (createClient),
 * Redis Sentinel (createSentinel: it asks the sentinels which node is the master, listens to them
 * for `switch-master`, and retries a command on the new master) and Redis Cluster (createCluster:
 * it learns the slots from the nodes and follows MOVED/ASK). No failover logic of our own: only
 * the options that make each of them fail closed (client.ts), and a health check that asks the
 * nodes that matter.
 */
import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClientOptions,
  type RedisClientType,
  type RedisClusterType,
} from 'redis';
import type { RedisCommands } from './client.js';

export interface RedisNode {
  host: string;
  port: number;
}

/** TLS material, already read from its files (target.ts). */
export interface RedisTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

export interface RedisAccess {
  username?: string | undefined;
  password?: string | undefined;
  /** TLS to every node; a rediss:// URL turns it on too. */
  tls?: RedisTls | undefined;
}

export type RedisTarget =
  | { kind: 'node'; url: string; access?: RedisAccess; database?: number | undefined }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      masterName: string;
      access?: RedisAccess;
      /** The sentinels' own credentials; TLS is the same as the nodes'. */
      sentinelAccess?: Omit<RedisAccess, 'tls'>;
      database?: number | undefined;
    }
  | { kind: 'cluster'; nodes: string[]; access?: RedisAccess };

/** What every node client gets: the fail-closed settings of client.ts. */
export type NodeOptions = Pick<
  RedisClientOptions,
  'disableOfflineQueue' | 'pingInterval' | 'commandsQueueMaxLength'
> & { socket: { connectTimeout: number; reconnectStrategy: (retries: number) => number } };

/** Events a topology reports, for the log: a lost connection, and service back. */
export interface TopologyEvents {
  down(error: unknown): void;
  up(detail?: string): void;
}

export interface Topology {
  readonly client: RedisCommands;
  /** Connects; rejects when the first connection fails (see keepConnecting in client.ts). */
  connect(): Promise<unknown>;
  /** Makes connect() callable again after it failed. */
  reset(): Promise<void>;
  /** PING the node, the master, or every master of the cluster. */
  ping(): Promise<void>;
  /** Drops every connection without waiting for replies. */
  destroy(): Promise<void>;
}

function withAccess(options: NodeOptions, access: RedisAccess | undefined, tls: boolean) {
  const material = access?.tls;
  return {
    ...options,
    ...(access?.username !== undefined && { username: access.username }),
    ...(access?.password !== undefined && { password: access.password }),
    socket: { ...options.socket, ...(tls || material ? { tls: true as const, ...material } : {}) },
  };
}

const isTls = (url: string) => new URL(url).protocol === 'rediss:';

function openNode(
  target: Extract<RedisTarget, { kind: 'node' }>,
  options: NodeOptions,
  events: TopologyEvents,
): Topology {
  const client: RedisClientType = createClient({
    url: target.url,
    ...withAccess(options, target.access, isTls(target.url)),
    ...(target.database !== undefined && { database: target.database }),
  });
  // Without an 'error' listener a lost connection would crash the process.
  client.on('error', (error: unknown) => events.down(error));
  client.on('ready', () => events.up());
  return {
    client,
    // The reconnect strategy never gives up: this settles only once connected, or when closed.
    connect: () => client.connect(),
    reset: async () => undefined,
    ping: async () => {
      await client.ping();
    },
    destroy: async () => {
      // destroy, not close: close waits for replies a hung Redis would never send.
      if (client.isOpen) client.destroy();
    },
  };
}

/**
 * A second client of one node, for reads that Redis keeps current (session-reads.ts): RESP3,
 * with CLIENT TRACKING on (node-redis sends it on every connection) and each invalidation
 * emitted as an `invalidate` event.
 */
export function openTrackingNode(
  target: Extract<RedisTarget, { kind: 'node' }>,
  options: NodeOptions,
): RedisClientType {
  return createClient({
    url: target.url,
    ...withAccess(options, target.access, isTls(target.url)),
    ...(target.database !== undefined && { database: target.database }),
    RESP: 3,
    emitInvalidate: true,
  }) as unknown as RedisClientType;
}

function openSentinel(
  target: Extract<RedisTarget, { kind: 'sentinel' }>,
  options: NodeOptions,
  events: TopologyEvents,
): Topology {
  const tls = target.access?.tls !== undefined;
  const sentinel = createSentinel({
    name: target.masterName,
    sentinelRootNodes: target.sentinels,
    nodeClientOptions: {
      ...withAccess(options, target.access, tls),
      ...(target.database !== undefined && { database: target.database }),
    },
    sentinelClientOptions: withAccess(options, { ...target.sentinelAccess, tls: target.access?.tls }, tls),
  });
  // 'error' must have a listener (an EventEmitter throws otherwise); 'client-error' is a lost
  // connection to the master, a replica or a sentinel.
  sentinel.on('error', (error: unknown) => events.down(error));
  sentinel.on('client-error', (event: { error?: unknown }) => events.down(event.error));
  sentinel.on('topology-change', (event: { type: string; node?: RedisNode }) => {
    if (event.type === 'MASTER_CHANGE' && event.node) events.up(`${event.node.host}:${event.node.port}`);
  });
  return {
    client: sentinel,
    connect: () => sentinel.connect(),
    // A failed first connect leaves the client open; destroy() lets connect() start again.
    reset: () => sentinel.destroy(),
    ping: async () => {
      await sentinel.ping();
    },
    destroy: () => sentinel.destroy(),
  };
}

function openCluster(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  options: NodeOptions,
  events: TopologyEvents,
): Topology {
  const cluster: RedisClusterType = createCluster({
    rootNodes: target.nodes.map((url) => ({ url })),
    // The nodes the client learns from the cluster get these options; TLS if any root has it.
    defaults: withAccess(options, target.access, target.nodes.some(isTls)),
  });
  cluster.on('error', (error: unknown) => events.down(error));
  cluster.on('node-error', (error: unknown) => events.down(error));
  cluster.on('connect', () => events.up());
  return {
    client: cluster,
    connect: () => cluster.connect(),
    reset: async () => undefined,
    // A command only reaches the master of its key's slot: every master must answer.
    ping: async () => {
      const { masters } = cluster;
      if (masters.length === 0) throw new Error('the cluster has no known master yet');
      await Promise.all(masters.map(async (master) => (await cluster.nodeClient(master)).ping()));
    },
    destroy: async () => {
      if (cluster.isOpen) cluster.destroy();
    },
  };
}

export function openTopology(target: RedisTarget, options: NodeOptions, events: TopologyEvents): Topology {
  switch (target.kind) {
    case 'node':
      return openNode(target, options, events);
    case 'sentinel':
      return openSentinel(target, options, events);
    case 'cluster':
      return openCluster(target, options, events);
  }
}
