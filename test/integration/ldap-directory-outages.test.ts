/**
 * The LDAP directory adapter when the directory cannot answer: refused connections, silence,
 * a hang-up, a server that leaves mid-way, a TLS failure. Every one is DirectoryUnavailableError
 * (the gateway's 503), none is a refusal or a pass, and no socket is left open.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import { DirectoryUnavailableError } from '../../gateway/ports.js';
import { DIRECTORY_PASSWORD } from '../fixtures/ldap/people.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

/** A loopback TCP server that hands each connection to `onConnection` and counts them. */
interface FakeServer {
  url: string;
  accepted(): number;
  open(): number;
  close(): Promise<void>;
}

const servers: FakeServer[] = [];

async function fakeServer(onConnection: (socket: Socket) => void): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake = {
    url: `ldap://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  servers.push(fake);
  return fake;
}

/** Relays to slapd; with `cut`, the connection dies right after slapd's first answer. */
function relayTo(port: number, cut: boolean): Promise<FakeServer> {
  return fakeServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (cut) upstream.destroy();
    });
  });
}

const FAST = { connectTimeoutMs: 500, operationTimeoutMs: 300 };

let slapd: Slapd;

beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await slapd?.stop();
});

async function expectUnavailable(directory: LdapDirectory, username = 'mira'): Promise<void> {
  await expect(directory.authenticate(username, DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
    DirectoryUnavailableError,
  );
}

describe('a directory that cannot answer', () => {
  it('is unavailable when nothing listens, for sign-in and ping', async () => {
    const url = (await deadUpstreamUrl()).replace('http://', 'ldap://');
    const directory = new LdapDirectory(ldapConfig(url), FAST);
    await expectUnavailable(directory);
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('is unavailable when it accepts the connection and says nothing, once the timeout passes', async () => {
    // It reads what it is sent (so it notices when the client hangs up) and never answers.
    const silent = await fakeServer((socket) => socket.resume());
    const directory = new LdapDirectory(ldapConfig(silent.url), FAST);
    const started = Date.now();
    await expectUnavailable(directory);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect.poll(() => silent.open()).toBe(0);
  });

  it('is unavailable when it hangs up at once', async () => {
    const hangUp = await fakeServer((socket) => socket.destroy());
    await expectUnavailable(new LdapDirectory(ldapConfig(hangUp.url), FAST));
  });

  it('is unavailable when it goes away between the search account bind and the search', async () => {
    const dying = await relayTo(slapd.port, true);
    await expectUnavailable(new LdapDirectory(ldapConfig(dying.url), FAST));
    await expect.poll(() => dying.open()).toBe(0);
  });

  it('is unavailable when the TLS handshake fails', async () => {
    const notTls = new LdapDirectory(ldapConfig(`ldaps://127.0.0.1:${slapd.port}`), FAST);
    await expectUnavailable(notTls);
    await expect(notTls.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('keeps the cause for the log but tells the gateway only that the directory is unavailable', async () => {
    const url = (await deadUpstreamUrl()).replace('http://', 'ldap://');
    const error = await new LdapDirectory(ldapConfig(url), FAST)
      .authenticate('mira', DIRECTORY_PASSWORD)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('connections', () => {
  it('are closed after every outcome: a sign-in, a wrong password, an unknown user, a ping', async () => {
    const relay = await relayTo(slapd.port, false);
    const directory = new LdapDirectory(ldapConfig(relay.url), FAST);
    const outcomes: [string, () => Promise<unknown>, number][] = [
      ['sign-in', () => directory.authenticate('mira', DIRECTORY_PASSWORD), 2],
      ['wrong password', () => directory.authenticate('mira', 'wrong'), 2],
      ['unknown user', () => directory.authenticate('nobody', DIRECTORY_PASSWORD), 1],
      ['ping', () => directory.ping(), 1],
    ];
    for (const [outcome, run, connections] of outcomes) {
      const before = relay.accepted();
      await run();
      expect(relay.accepted() - before, outcome).toBe(connections);
      await expect.poll(() => relay.open(), { message: outcome }).toBe(0);
    }
  });
});
