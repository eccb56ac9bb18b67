/**
 * Highly available Redis set-ups started from Debian's binaries for one suite, on free loopback
 * ports, in a temporary directory, and torn down afterwards (and killed when the test process
 * exits, even after a failure):
 * - Sentinel: a master, a replica and three sentinels (quorum 2, the master counted down after
 *   1 s without an answer), as docs/redis.md describes it.
 * - Cluster: three masters holding every slot between them (no replicas).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { freePort } from './processes.js';
import { exited, spawnKept, stopChild, type Child } from './services.js';

const STARTUP_TIMEOUT_MS = 30_000;
export const MASTER_NAME = 'stepgate-master';

interface Server extends Child {
  readonly port: number;
}

function spawnServer(binary: string, args: string[], port: number): Server {
  return { ...spawnKept(binary, args), port };
}

function alive(server: Server): boolean {
  return !exited(server.process);
}

function kill(server: Server, signal: NodeJS.Signals): Promise<void> {
  return stopChild(server.process, signal);
}

/** One command on a short-lived connection; undefined when the server does not answer. */
async function ask(port: number, command: string[]): Promise<string | undefined> {
  const client = createClient({
    socket: { host: '127.0.0.1', port, connectTimeout: 1_000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const reply = await client.sendCommand(command);
    return typeof reply === 'string' ? reply : JSON.stringify(reply);
  } catch {
    return undefined;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/** Polls until `ready` holds; fails with the servers' output when it takes too long or one exits. */
async function waitFor(what: string, servers: Server[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const dead = servers.find((server) => !alive(server));
    if (dead) throw new Error(`${what}: the server on port ${dead.port} exited:\n${dead.output()}`);
    if (await ready()) return;
    if (Date.now() > deadline) {
      const outputs = servers.map((server) => `--- port ${server.port} ---\n${server.output()}`).join('\n');
      throw new Error(`${what} was not ready within ${STARTUP_TIMEOUT_MS} ms:\n${outputs}`);
    }
    await sleep(100);
  }
}

/** A field of an INFO section (`role`, `master_repl_offset`, ...). */
function infoField(info: string | undefined, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info ?? '')?.[1]?.trim();
}

const dataNodeArgs = (port: number, dir: string) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--dir',
  dir,
  '--dbfilename',
  `dump-${port}.rdb`,
  '--save',
  '',
  '--appendonly',
  'no',
  '--daemonize',
  'no',
  '--loglevel',
  'warning',
];

/** Stops what has started so far, newest first, even when a stop fails. */
async function stopAll(servers: Server[], dir: string): Promise<void> {
  await Promise.all(servers.map((server) => kill(server, 'SIGKILL').catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
}

export interface SentinelSetup {
  readonly masterName: string;
  readonly sentinels: { host: string; port: number }[];
  /** The port of the node that was the master at start. */
  readonly masterPort: number;
  readonly replicaPort: number;
  /** Waits until the replica has received every write the master has acknowledged so far. */
  waitForReplication(): Promise<void>;
  /** SIGKILL to the master: no shutdown, no last words to the replica or the sentinels. */
  killMaster(): Promise<void>;
  /** The port the sentinels name as master now. */
  currentMasterPort(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-sentinel-'));
  const servers: Server[] = [];
  try {
    const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    if (masterPort === undefined || replicaPort === undefined) throw new Error('no free ports');
    const master = spawnServer('redis-server', dataNodeArgs(masterPort, dir), masterPort);
    servers.push(master);
    const replica = spawnServer(
      'redis-server',
      [...dataNodeArgs(replicaPort, dir), '--replicaof', '127.0.0.1', String(masterPort)],
      replicaPort,
    );
    servers.push(replica);
    await waitFor(
      'the replica',
      servers,
      async () =>
        (await ask(replicaPort, ['INFO', 'replication']))?.includes('master_link_status:up') ?? false,
    );
    for (const port of sentinelPorts) {
      const config = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its config file as it learns the set-up: one file each.
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      servers.push(spawnServer('redis-sentinel', [config, '--loglevel', 'warning'], port));
    }
    // Every sentinel knows the replica and the two other sentinels: a failover can be agreed.
    await waitFor('the sentinels', servers, async () => {
      const views = await Promise.all(
        sentinelPorts.map((port) => ask(port, ['SENTINEL', 'MASTER', MASTER_NAME])),
      );
      return views.every(
        (view) =>
          view !== undefined && /"num-slaves","1"/.test(view) && /"num-other-sentinels","2"/.test(view),
      );
    });
    return {
      masterName: MASTER_NAME,
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      masterPort,
      replicaPort,
      waitForReplication: async () => {
        const offset = Number(
          infoField(await ask(masterPort, ['INFO', 'replication']), 'master_repl_offset'),
        );
        await waitFor('replication', servers, async () => {
          const info = await ask(replicaPort, ['INFO', 'replication']);
          return Number(infoField(info, 'slave_repl_offset')) >= offset;
        });
      },
      killMaster: () => kill(master, 'SIGKILL'),
      currentMasterPort: async () => {
        for (const port of sentinelPorts) {
          const reply = await ask(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME]);
          const parsed = reply === undefined ? undefined : (JSON.parse(reply) as string[]);
          if (parsed?.[1] !== undefined) return Number(parsed[1]);
        }
        return undefined;
      },
      stop: () => stopAll(servers, dir),
    };
  } catch (error) {
    await stopAll(servers, dir);
    throw error;
  }
}

export interface ClusterSetup {
  /** redis://127.0.0.1:PORT of each master. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

/** Three masters, slots split by `redis-cli --cluster create`, ready when every node says ok. */
export async function startCluster(): Promise<ClusterSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-cluster-'));
  const servers: Server[] = [];
  try {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    for (let i = 0; i < 3; i += 1) {
      const [port, busPort] = [ports[i * 2] ?? 0, ports[i * 2 + 1] ?? 0];
      const args = [
        ...dataNodeArgs(port, dir),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        // The bus port is given, not port + 10000, which may be taken or out of range.
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        '2000',
      ];
      servers.push(spawnServer('redis-server', args, port));
    }
    await waitFor('the cluster nodes', servers, async () =>
      (await Promise.all(servers.map((server) => ask(server.port, ['PING'])))).every(
        (reply) => reply === 'PONG',
      ),
    );
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-yes',
    ]);
    await waitFor('the cluster', servers, async () => {
      const infos = await Promise.all(servers.map((server) => ask(server.port, ['CLUSTER', 'INFO'])));
      return infos.every((info) => infoField(info, 'cluster_state') === 'ok');
    });
    return {
      nodes: servers.map((server) => `redis://127.0.0.1:${server.port}`),
      stop: () => stopAll(servers, dir),
    };
  } catch (error) {
    await stopAll(servers, dir);
    throw error;
  }
}
